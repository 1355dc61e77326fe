import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { AuthThrottle } from '../../core/auth/auth-throttle';
import { loadTlsContext } from '../../containers/net/tls-context';
import { SmtpServer } from '../../containers/smtp/smtp-server';
import { reply, type SmtpReply } from '../../containers/smtp/smtp-reply';
import {
  DEFAULT_SMTP_LIMITS,
  type Envelope,
  type SessionInfo,
  type SmtpPolicy,
} from '../../containers/smtp/types';

export interface SinkMessage {
  mailFrom: string;
  recipients: string[];
  dsn: Envelope['dsn'];
  notify: (string[] | undefined)[];
  orcpt: (string | undefined)[];
  data: Buffer;
  secure: boolean;
  authenticatedAs: string | null;
  session: string;
}

/**
 * A throwaway SMTP peer we control (our own SMTP server class with a scripted policy): records
 * what it receives and answers each RCPT as `onRecipient` says, for precise 4xx/5xx sequences.
 */
export class SmtpSink {
  readonly messages: SinkMessage[] = [];
  readonly sessions = new Set<string>();
  readonly attempts = new Map<string, number>();
  port = 0;
  onRecipient: (address: string, attempt: number) => SmtpReply | null = () => null;
  private server: SmtpServer | null = null;
  private dir = '';

  constructor(private readonly options: { auth?: { user: string; pass: string } } = {}) {}

  async start(): Promise<this> {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-sink-'));
    const tls = await loadTlsContext(this.dir, 'this.test');
    const policy: SmtpPolicy = {
      checkSender: async (session: SessionInfo) => {
        this.sessions.add(session.id);
        return null;
      },
      checkRecipient: async (_session: SessionInfo, _envelope: Envelope, address: string) => {
        const attempt = (this.attempts.get(address) ?? 0) + 1;
        this.attempts.set(address, attempt);
        return this.onRecipient(address, attempt);
      },
      authenticate: async (_session: SessionInfo, user: string, pass: string) => {
        return !!this.options.auth && user === this.options.auth.user && pass === this.options.auth.pass;
      },
      accept: async (session: SessionInfo, envelope: Envelope, data: Buffer) => {
        this.messages.push({
          mailFrom: envelope.mailFrom,
          recipients: envelope.recipients.map((r) => r.address),
          notify: envelope.recipients.map((r) => r.notify),
          orcpt: envelope.recipients.map((r) => r.orcpt),
          dsn: envelope.dsn,
          data,
          secure: session.secure,
          authenticatedAs: session.authenticatedAs,
          session: session.id,
        });
      },
    };
    this.server = new SmtpServer(
      {
        name: 'mx',
        hostname: 'this.test',
        limits: DEFAULT_SMTP_LIMITS,
        pregreetMs: 0,
        trustedNetworks: ['127.0.0.0/8'],
        authEnabled: !!this.options.auth,
        authRequired: !!this.options.auth,
        allowInsecureAuth: false,
        rejectBareLineEndings: false,
        implicitTls: false,
      },
      policy,
      tls.context,
      new AuthThrottle({ maxFailures: 100, windowSeconds: 60, lockoutSeconds: 1 }),
      pino({ level: 'silent' }),
    );
    this.port = await this.server.listen(0, '127.0.0.1');
    return this;
  }

  /** Messages received for one recipient. */
  for(address: string): SinkMessage[] {
    return this.messages.filter((m) => m.recipients.includes(address));
  }

  async stop(): Promise<void> {
    await this.server?.close(100);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export { reply };
