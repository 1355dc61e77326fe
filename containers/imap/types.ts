import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { AuthThrottle } from '../../core/auth/auth-throttle';
import type { Directory } from '../../core/directory/directory';
import type { BlobStore } from '../../core/ports/blob-store';
import type { MailboxEvents } from '../../core/ports/events';
import type { SqlDatabase } from '../../core/ports/sql';
import type { MailboxStore } from '../../core/store/mailbox-store';

export interface ImapServerOptions {
  hostname: string;
  /** IMAPS (port 993 style): TLS from the first byte. */
  implicitTls: boolean;
  /** Load balancers whose connections start with a PROXY v1/v2 header. */
  proxyNetworks?: readonly string[];
  /** Allow LOGIN / AUTHENTICATE without TLS (development, trusted networks). */
  allowInsecureAuth: boolean;
  /** Autologout timer for authenticated sessions, IDLE included (RFC 9051: at least 30 minutes). */
  idleTimeoutMs: number;
  /** How long a connection may stay without logging in. */
  unauthenticatedTimeoutMs: number;
  maxConnections: number;
  /** Connections from one client address, logged in or not; beyond it the greeting is a BYE. */
  maxConnectionsPerIp: number;
  /**
   * Logged-in sessions of one account from one client address (Dovecot's
   * mail_max_userip_connections); the login beyond it gets `NO [LIMIT]`. Counted per node.
   */
  maxConnectionsPerUserIp: number;
  maxCommandLineLength: number;
  /** Largest literal accepted (APPEND message size; also announced as APPENDLIMIT). */
  maxLiteralSize: number;
  /** Complete commands buffered ahead of the one running before the socket is paused. */
  maxPipelinedCommands: number;
  /** BAD responses tolerated before the connection is closed. */
  maxErrors: number;
  /** Interval of "* OK Still here" during IDLE (optional; default 2 minutes). */
  idleKeepaliveMs?: number;
  /**
   * NOTIFY (RFC 5465): changes a session may hold unreported (it is busy, or its client does not
   * read); beyond it the session gets `* OK [NOTIFICATIONOVERFLOW]` and NOTIFY NONE (default 5000).
   */
  notifyMaxPending?: number;
  /** METADATA (RFC 5464) limits and server entries (optional; DEFAULT_METADATA_OPTIONS). */
  metadata?: ImapMetadataOptions;
}

/** METADATA settings: limits (each refusal has its RFC 5464 response code) and server entries. */
export interface ImapMetadataOptions {
  /** Longest value SETMETADATA accepts, octets: `[METADATA MAXSIZE n]` (RFC 5464: at least 1024). */
  maxValueSize: number;
  /** Entries one user holds on one mailbox or on the server: `[METADATA TOOMANY]` (at least 10). */
  maxEntriesPerMailbox: number;
  /** Entries one user holds in all: `[METADATA TOOMANY]`. */
  maxEntriesPerAccount: number;
  /** Octets of all values one user holds: `NO [LIMIT]`. */
  maxTotalSize: number;
  /** /private entries are kept; false answers SETMETADATA of one with `[METADATA NOPRIVATE]`. */
  privateEntries: boolean;
  /** Server `/shared/admin` (a URI, RFC 5464 §3.2.1.1); default `mailto:postmaster@<hostname>`. */
  adminUri?: string;
  /** Server `/shared/comment`; none by default. */
  serverComment?: string;
}

export const DEFAULT_METADATA_OPTIONS: ImapMetadataOptions = {
  maxValueSize: 64 * 1024,
  maxEntriesPerMailbox: 100,
  maxEntriesPerAccount: 1000,
  maxTotalSize: 1024 * 1024,
  privateEntries: true,
};

export const DEFAULT_IMAP_OPTIONS: ImapServerOptions = {
  hostname: 'localhost',
  implicitTls: false,
  allowInsecureAuth: false,
  idleTimeoutMs: 31 * 60_000,
  unauthenticatedTimeoutMs: 60_000,
  maxConnections: 20_000,
  maxConnectionsPerIp: 100,
  maxConnectionsPerUserIp: 10,
  maxCommandLineLength: 64 * 1024,
  maxLiteralSize: 50 * 1024 * 1024,
  maxPipelinedCommands: 100,
  maxErrors: 20,
  idleKeepaliveMs: 120_000,
  metadata: DEFAULT_METADATA_OPTIONS,
};

export interface ImapServerDeps {
  options: ImapServerOptions;
  directory: Directory;
  store: MailboxStore;
  db: SqlDatabase;
  blobs: BlobStore;
  events: MailboxEvents;
  secureContext: () => SecureContext;
  authThrottle: AuthThrottle;
  log: Logger;
  nodeId: string;
}

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export interface CommandResult {
  status: 'OK' | 'NO' | 'BAD';
  code?: string;
  text: string;
}

export const ok = (text: string, code?: string): CommandResult => ({ status: 'OK', text, code });
export const no = (text: string, code?: string): CommandResult => ({ status: 'NO', text, code });
export const bad = (text: string, code?: string): CommandResult => ({ status: 'BAD', text, code });
