/**
 * IDLE (RFC 2177 / RFC 9051 §6.3.13) for one session: keepalives, changes reported as the Events
 * port pushes them, and the DONE that ends it.
 */
import type { ImapSession } from './session';

export class IdleState {
  private current: { tag: string; keepalive: NodeJS.Timeout } | null = null;
  /** Pushed syncs run one after another; DONE waits for the last. */
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly session: ImapSession) {}

  get active(): boolean {
    return this.current !== null;
  }

  async start(tag: string): Promise<void> {
    const session = this.session;
    session.send('+ idling\r\n');
    const keepaliveMs = session.options.idleKeepaliveMs ?? 120_000;
    const keepalive = setInterval(() => {
      session.send('* OK Still here\r\n');
      session.flush();
    }, keepaliveMs);
    keepalive.unref?.();
    this.current = { tag, keepalive };
    if (session.selected) {
      await session.sync(true);
    }
    session.expectLine(async (line) => {
      const idle = this.current;
      session.expectLine(null);
      if (idle) clearInterval(idle.keepalive);
      this.current = null;
      await this.syncing;
      session.armTimer();
      if (line.toString('latin1').trim().toUpperCase() !== 'DONE') {
        session.finishCommand(tag, { status: 'BAD', text: 'Expected DONE' });
        return;
      }
      if (session.selected) await session.sync(true);
      session.finishCommand(tag, { status: 'OK', text: 'IDLE terminated' });
    });
  }

  /** The selected mailbox changed while idling: report it now. */
  push(): Promise<void> {
    this.syncing = this.syncing.then(async () => {
      if (!this.current || this.session.closed) return;
      try {
        await this.session.sync(true);
        this.session.flush();
      } catch (error) {
        this.session.log.warn({ err: error }, 'IDLE sync failed');
      }
    });
    return this.syncing;
  }

  /** The connection closed. */
  stop(): void {
    if (this.current) clearInterval(this.current.keepalive);
    this.current = null;
  }
}
