import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Logger } from 'pino';
import {
  RelayFailure,
  classifyReply,
  connectionFailure,
  oneLine,
  type RecipientResult,
} from '../../core/relay/reply-classification';
import type { OutboundMessage, OutboundTarget, OutboundTransport } from '../../core/relay/transport';

export interface SmtpClientOptions {
  /** EHLO name. */
  heloName: string;
  /** Keep an idle connection this long for the next message to the same host. */
  idleMs: number;
  /** Messages per connection before it is closed (RFC 5321 servers may limit this). */
  maxMessagesPerConnection: number;
  connectionTimeoutMs: number;
  socketTimeoutMs: number;
}

interface PooledConnection {
  connection: SMTPConnection;
  key: string;
  messages: number;
  broken: boolean;
  idleTimer: NodeJS.Timeout | null;
}

/**
 * The outbound SMTP client on nodemailer's SMTPConnection, with a pool of idle connections per
 * target (host, port, TLS mode, credentials): several messages to one host reuse one session.
 * STARTTLS is opportunistic (certificate not checked, as MTAs do) unless the target requires a
 * verified certificate (MTA-STS enforce) or TLS (smarthost).
 */
export class SmtpClientPool implements OutboundTransport {
  private readonly idle = new Map<string, PooledConnection[]>();
  private closed = false;

  constructor(
    private readonly options: SmtpClientOptions,
    private readonly log: Logger,
  ) {}

  async send(target: OutboundTarget, message: OutboundMessage): Promise<RecipientResult[]> {
    const key = targetKey(target);
    let pooled = this.takeIdle(key);
    const reused = pooled !== null;
    pooled ??= await this.open(target, key);
    try {
      const results = await this.transact(pooled, target, message);
      this.release(pooled);
      return results;
    } catch (error) {
      pooled.broken = true;
      this.discard(pooled);
      // An idle connection the server closed meanwhile: one more try on a fresh one.
      if (reused && error instanceof RelayFailure && !error.remoteMta) {
        const fresh = await this.open(target, key);
        try {
          const results = await this.transact(fresh, target, message);
          this.release(fresh);
          return results;
        } catch (again) {
          this.discard(fresh);
          throw again;
        }
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const list of this.idle.values()) for (const pooled of list) this.discard(pooled);
    this.idle.clear();
  }

  private takeIdle(key: string): PooledConnection | null {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const pooled = list.pop()!;
      if (pooled.idleTimer) clearTimeout(pooled.idleTimer);
      pooled.idleTimer = null;
      if (!pooled.broken && !pooled.connection.destroyed) return pooled;
    }
    return null;
  }

  private release(pooled: PooledConnection): void {
    if (
      this.closed ||
      pooled.broken ||
      pooled.connection.destroyed ||
      pooled.messages >= this.options.maxMessagesPerConnection
    ) {
      return this.discard(pooled);
    }
    const list = this.idle.get(pooled.key) ?? [];
    list.push(pooled);
    this.idle.set(pooled.key, list);
    pooled.idleTimer = setTimeout(() => {
      const current = this.idle.get(pooled.key);
      const index = current?.indexOf(pooled) ?? -1;
      if (current && index >= 0) current.splice(index, 1);
      this.discard(pooled);
    }, this.options.idleMs);
    pooled.idleTimer.unref();
  }

  private discard(pooled: PooledConnection): void {
    if (pooled.idleTimer) clearTimeout(pooled.idleTimer);
    pooled.idleTimer = null;
    try {
      if (!pooled.broken && !pooled.connection.destroyed) pooled.connection.quit();
      else pooled.connection.close();
    } catch {
      // already gone
    }
  }

  private open(target: OutboundTarget, key: string): Promise<PooledConnection> {
    const verified = !!target.requireVerifiedTls;
    const connection = new SMTPConnection({
      host: target.address,
      port: target.port,
      name: this.options.heloName,
      secure: !!target.implicitTls,
      requireTLS: verified || !!target.requireTls,
      opportunisticTLS: !verified && !target.requireTls,
      connectionTimeout: this.options.connectionTimeoutMs,
      greetingTimeout: this.options.connectionTimeoutMs,
      socketTimeout: this.options.socketTimeoutMs,
      tls: {
        servername: /^[\d.:]+$/.test(target.host) ? undefined : target.host,
        rejectUnauthorized: verified,
        minVersion: 'TLSv1.2',
      },
      logger: false,
    });
    const pooled: PooledConnection = { connection, key, messages: 0, broken: false, idleTimer: null };
    connection.on('error', (error) => {
      pooled.broken = true;
      this.log.debug({ err: error, host: target.host }, 'outbound SMTP connection error');
    });
    connection.on('end', () => {
      pooled.broken = true;
    });
    return new Promise((resolve, reject) => {
      // SMTPConnection.connect() calls back on success only: a refused connection, a TLS or
      // network failure before the greeting arrives as 'error' (or 'end'), so settle on those too.
      let connected = false;
      const failEarly = (error?: SMTPConnection.SMTPError): void => {
        if (connected) return;
        connected = true;
        pooled.broken = true;
        connection.close();
        reject(
          error
            ? this.connectFailure(error, target)
            : connectionFailure(new Error('connection closed before the greeting'), target.host),
        );
      };
      connection.once('error', failEarly);
      connection.once('end', () => failEarly());
      connection.connect((error) => {
        if (connected) return;
        connected = true;
        if (error) {
          pooled.broken = true;
          connection.close();
          return reject(this.connectFailure(error, target));
        }
        if (!target.auth) return resolve(pooled);
        connection.login({ user: target.auth.user, pass: target.auth.pass }, (authError) => {
          if (!authError) return resolve(pooled);
          pooled.broken = true;
          connection.close();
          // Wrong smarthost credentials are a configuration problem: keep the mail, retry later.
          reject(
            new RelayFailure(
              false,
              454,
              '4.7.0',
              `authentication to ${target.host} failed: ${oneLine(authError.response ?? authError.message)}`,
            ),
          );
        });
      });
    });
  }

  private connectFailure(error: SMTPConnection.SMTPError, target: OutboundTarget): RelayFailure {
    if (error.response) {
      return new RelayFailure(
        false,
        error.responseCode ?? 421,
        '4.4.2',
        `${target.host} refused the session: ${oneLine(error.response)}`,
      );
    }
    return connectionFailure(error, target.host);
  }

  private transact(
    pooled: PooledConnection,
    target: OutboundTarget,
    message: OutboundMessage,
  ): Promise<RecipientResult[]> {
    const first = message.recipients[0];
    const envelope: SMTPConnection.Envelope = {
      from: message.mailFrom,
      to: message.recipients.map((r) => r.address),
      size: message.body.length,
      use8BitMime: message.body.some((byte) => byte > 0x7f),
    };
    if (message.dsn?.ret || message.dsn?.envid || first.notify || first.orcpt) {
      envelope.dsn = {
        ret: message.dsn?.ret === 'FULL' ? ('Full' as const) : message.dsn?.ret,
        envid: message.dsn?.envid,
        notify: first.notify as SMTPConnection.DSNOption[] | undefined,
        orcpt: first.orcpt,
      };
    }
    const remoteMta = target.host;
    return new Promise((resolve, reject) => {
      pooled.connection.send(envelope, message.body, (error, info) => {
        pooled.messages++;
        if (error) {
          if (!error.response || !error.responseCode) {
            pooled.broken = true;
            return reject(connectionFailure(error, target.host));
          }
          // The server answered: MAIL, all RCPTs, or the DATA reply failed.
          // The transaction may be left open (MAIL accepted): do not reuse this session.
          pooled.broken = true;
          const rejected = (error as SMTPConnection.SMTPError & { rejectedErrors?: RecipientError[] })
            .rejectedErrors;
          if (rejected && rejected.length > 0) {
            return resolve(message.recipients.map((r) => fromRejected(r.address, rejected, remoteMta)));
          }
          const reply = classifyReply(error.response, error.responseCode);
          return resolve(
            message.recipients.map((r) => ({
              address: r.address,
              status: reply.status === 'sent' ? 'temporary' : reply.status,
              enhanced: reply.enhanced,
              diagnostic: oneLine(error.response!),
              remoteReply: true,
              remoteMta,
            })),
          );
        }
        const rejected = (info.rejectedErrors ?? []) as RecipientError[];
        resolve(
          message.recipients.map((r) => {
            if (info.rejected.some((a) => a.toLowerCase() === r.address.toLowerCase())) {
              return fromRejected(r.address, rejected, remoteMta);
            }
            return {
              address: r.address,
              status: 'sent',
              enhanced: '2.0.0',
              diagnostic: oneLine(info.response ?? '250 Ok'),
              remoteReply: true,
              remoteMta,
            };
          }),
        );
      });
    });
  }
}

type RecipientError = SMTPConnection.SMTPError & { recipient?: string };

function fromRejected(address: string, errors: RecipientError[], remoteMta: string): RecipientResult {
  const error = errors.find((e) => e.recipient?.toLowerCase() === address.toLowerCase());
  const response = error?.response ?? '451 4.0.0 recipient rejected';
  const reply = classifyReply(response, error?.responseCode);
  return {
    address,
    status: reply.status === 'sent' ? 'temporary' : reply.status,
    enhanced: reply.enhanced,
    diagnostic: oneLine(response),
    remoteReply: true,
    remoteMta,
  };
}

function targetKey(target: OutboundTarget): string {
  return [
    target.address,
    target.port,
    target.implicitTls ? 'tls' : '',
    target.requireVerifiedTls ? 'verify' : '',
    target.auth?.user ?? '',
  ].join('|');
}
