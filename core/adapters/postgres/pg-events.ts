/**
 * Mailbox change events across nodes through PostgreSQL LISTEN/NOTIFY.
 *
 * One dedicated pg.Client per process LISTENs on the channel (a pooled connection would lose
 * the subscription). Publishing sends pg_notify with the change as JSON; local subscribers are
 * told at once, and the echo of our own notification is recognised by its origin and skipped.
 * When the connection drops, it is re-established with backoff and LISTEN issued again; then
 * every local subscriber gets a resync hint (kind 'mailboxes'), since notifications published
 * meanwhile were missed.
 *
 * A connection that dies silently (a NAT or load balancer dropping the flow, a failover that
 * leaves the socket half-open) sends no 'end': TCP keep-alive probes after 10 s idle and a
 * `SELECT 1` every `pingMs` detect it. Changes published while disconnected are kept (up to
 * 1000) and sent after the reconnect, so other nodes' sessions do not miss them.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import type { MailboxChange, MailboxChangeHandler, MailboxEvents } from '../../ports/events';

export const EVENTS_CHANNEL = 'nimbus_mailbox';

// NOTIFY payloads are limited to 8000 bytes; ours are a few dozen.
interface Wire extends MailboxChange {
  o: string;
}

export class PgEvents implements MailboxEvents {
  private readonly handlers = new Map<number, Set<MailboxChangeHandler>>();
  private readonly origin = randomBytes(8).toString('hex');
  private client: pg.Client | null = null;
  private readonly outbox: { wire: Wire; done: () => void }[] = [];
  private sending = false;
  private closed = false;
  private reconnecting: NodeJS.Timeout | null = null;
  private backoffMs = 250;
  private readonly ping: NodeJS.Timeout;
  /** Published while disconnected: sent after the reconnect. */
  private pending: Wire[] = [];

  private constructor(
    private readonly connectionString: string,
    private readonly log?: Pick<Logger, 'warn' | 'info' | 'debug'>,
    pingMs = 30_000,
    /** A password source asked on every (re)connect: IAM tokens expire after 15 minutes. */
    private readonly password?: () => Promise<string>,
  ) {
    this.ping = setInterval(() => {
      const client = this.client;
      if (this.sending) return; // a publish in flight checks the connection already
      client?.query('SELECT 1').catch((error: Error) => {
        this.log?.warn({ err: error }, 'events connection check failed');
        this.lost(client);
      });
    }, pingMs);
    this.ping.unref?.();
  }

  static async connect(
    connectionString: string,
    log?: Pick<Logger, 'warn' | 'info' | 'debug'>,
    options: { pingMs?: number; password?: () => Promise<string> } = {},
  ): Promise<PgEvents> {
    const events = new PgEvents(connectionString, log, options.pingMs, options.password);
    try {
      await events.open();
    } catch (error) {
      clearInterval(events.ping);
      throw error;
    }
    return events;
  }

  /** True while the LISTEN connection is up (health checks, tests). */
  get connected(): boolean {
    return this.client !== null;
  }

  private async open(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      ...(this.password ? { password: this.password } : {}),
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on('notification', (message) => {
      if (message.channel !== EVENTS_CHANNEL || !message.payload) return;
      let wire: Wire;
      try {
        wire = JSON.parse(message.payload) as Wire;
      } catch {
        return;
      }
      if (wire.o === this.origin) return;
      const { o: _origin, ...change } = wire;
      this.dispatch(change);
    });
    client.on('error', (error) => {
      this.log?.warn({ err: error }, 'events connection error');
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.client = client;
    this.backoffMs = 250;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnecting || this.closed) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
    this.reconnecting = setTimeout(async () => {
      this.reconnecting = null;
      try {
        await this.open();
        this.log?.info('events connection re-established');
        const resent = this.pending
          .splice(0)
          .map((wire) => new Promise<void>((done) => this.outbox.push({ wire, done })));
        this.flushOutbox();
        await Promise.all(resent);
        // Anything published while we were away was missed: tell every subscriber to resync.
        for (const accountId of this.handlers.keys())
          this.dispatch({ accountId, mailboxId: 0, kind: 'mailboxes' });
      } catch (error) {
        this.log?.warn({ err: error }, 'events reconnect failed');
        this.scheduleReconnect();
      }
    }, delay);
    this.reconnecting.unref?.();
  }

  private dispatch(change: MailboxChange): void {
    for (const handler of this.handlers.get(change.accountId) ?? []) {
      try {
        handler(change);
      } catch {
        // One broken subscriber must not stop the others.
      }
    }
  }

  async publish(change: MailboxChange): Promise<void> {
    this.dispatch(change);
    const wire: Wire = { ...change, o: this.origin };
    if (!this.client) {
      // Sent after the reconnect; beyond the bound, other nodes catch up on their next command.
      if (this.pending.length < 1000) this.pending.push(wire);
      return;
    }
    await new Promise<void>((done) => {
      this.outbox.push({ wire, done });
      this.flushOutbox();
    });
  }

  /**
   * One query at a time on the LISTEN connection (pg does not multiplex a client), and every change
   * published meanwhile goes out with the next one: a single pg_notify round trip per batch.
   */
  private flushOutbox(): void {
    if (this.sending) return; // the loop below takes what was queued meanwhile
    this.sending = true;
    void (async () => {
      while (this.outbox.length > 0) {
        const batch = this.outbox.splice(0);
        const client = this.client;
        try {
          if (!client) throw new Error('events connection lost');
          await client.query(`SELECT pg_notify($1, w) FROM unnest($2::text[]) AS w`, [
            EVENTS_CHANNEL,
            batch.map((item) => JSON.stringify(item.wire)),
          ]);
        } catch (error) {
          this.log?.warn({ err: error }, 'events publish failed');
          for (const item of batch) if (this.pending.length < 1000) this.pending.push(item.wire);
        }
        for (const item of batch) item.done();
      }
      this.sending = false;
    })();
  }

  subscribe(accountId: number, handler: MailboxChangeHandler): () => void {
    let set = this.handlers.get(accountId);
    if (!set) this.handlers.set(accountId, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0) this.handlers.delete(accountId);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ping);
    if (this.reconnecting) clearTimeout(this.reconnecting);
    this.handlers.clear();
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}
