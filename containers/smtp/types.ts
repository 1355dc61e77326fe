import type { SpoolRecipient } from '../../core/ports/spool';
import type { SmtpReply } from './smtp-reply';

export interface SmtpLimits {
  maxMessageSize: number;
  maxRecipients: number;
  maxCommandLineLength: number;
  maxDataLineLength: number;
  maxMessagesPerConnection: number;
  maxErrors: number;
  idleTimeoutMs: number;
  dataTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Received: fields beyond this mean a mail loop (RFC 5321 §6.3): `554 5.4.6`. */
  maxHops: number;
}

export const DEFAULT_SMTP_LIMITS: SmtpLimits = {
  maxMessageSize: 25 * 1024 * 1024,
  maxRecipients: 100,
  maxCommandLineLength: 2048,
  maxDataLineLength: 65536,
  maxMessagesPerConnection: 1000,
  maxErrors: 10,
  idleTimeoutMs: 5 * 60_000,
  dataTimeoutMs: 10 * 60_000,
  maxConnections: 1000,
  maxConnectionsPerIp: 20,
  maxHops: 50,
};

/** What a session knows about its client; passed to every policy decision. */
export interface SessionInfo {
  id: string;
  remoteAddress: string;
  remotePort: number;
  localPort: number;
  helo: string | null;
  secure: boolean;
  authenticatedAs: string | null;
  /** The client is in a trusted network (relay, no pregreet pause). */
  trusted: boolean;
}

export interface Envelope {
  mailFrom: string;
  utf8: boolean;
  body: '7BIT' | '8BITMIME' | 'BINARYMIME';
  declaredSize: number | null;
  dsn: { ret?: 'FULL' | 'HDRS'; envid?: string };
  recipients: SpoolRecipient[];
}

/** Decisions the protocol layer asks the mail domain to make. `null` means "accepted". */
export interface SmtpPolicy {
  checkSender(session: SessionInfo, envelope: Envelope): Promise<SmtpReply | null>;
  checkRecipient(session: SessionInfo, envelope: Envelope, address: string): Promise<SmtpReply | null>;
  authenticate(session: SessionInfo, username: string, password: string): Promise<boolean>;
  /** Checks the finished message (From: ownership, content scanning …) before it is queued. */
  checkMessage?(session: SessionInfo, envelope: Envelope, data: Buffer): Promise<SmtpReply | null>;
  /** At connect, before the greeting (DNSBL, connection rate): a reply refuses the connection. */
  checkConnection?(session: SessionInfo): Promise<SmtpReply | null>;
  /** Tarpitting: milliseconds to hold the reply to the session's `errors`-th error (0 = none). */
  tarpitDelay?(session: SessionInfo, errors: number): number;
  /** The session ended (per-session policy state can go). */
  sessionClosed?(session: SessionInfo): void;
  /**
   * BURL (RFC 4468, submission only): the content an IMAP URL names, fetched for the
   * authenticated user, or the reply that refuses it. Absent: BURL is not offered.
   */
  fetchBurl?(session: SessionInfo, url: string): Promise<{ data: Buffer } | { reply: SmtpReply }>;
  /** ETRN (RFC 1985, MX only): the reply to `ETRN argument`. Absent: ETRN is not offered. */
  etrn?(session: SessionInfo, argument: string): Promise<SmtpReply>;
  /** Stores the message durably; resolves with the queue id only when it is safe to say 250. */
  accept(session: SessionInfo, envelope: Envelope, data: Buffer, queueId: string): Promise<void>;
}

export interface SmtpServerOptions {
  name: 'mx' | 'submission';
  hostname: string;
  limits: SmtpLimits;
  /** Milliseconds to wait before the greeting, for early-talker detection; 0 turns it off. */
  pregreetMs: number;
  /** Networks exempt from pregreet and allowed to relay. */
  trustedNetworks: readonly string[];
  /** Offer AUTH (only after STARTTLS unless allowInsecureAuth). */
  authEnabled: boolean;
  /** Reject MAIL before AUTH (submission). */
  authRequired: boolean;
  allowInsecureAuth: boolean;
  rejectBareLineEndings: boolean;
  /** Implicit TLS (port 465) instead of STARTTLS. */
  implicitTls: boolean;
  /** Load balancers whose connections start with a PROXY v1/v2 header carrying the client address. */
  proxyNetworks?: readonly string[];
}
