import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { AuthThrottle } from '../../core/auth/auth-throttle';
import type { Directory } from '../../core/directory/directory';
import type { SqlDatabase } from '../../core/ports/sql';
import type { MailboxStore } from '../../core/store/mailbox-store';

export interface Pop3Options {
  /** Allow USER/PASS and AUTH on a connection without TLS (tests, trusted networks only). */
  allowInsecureAuth: boolean;
  idleTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxCommandLineLength: number;
  maxErrors: number;
  hostname: string;
  /** pop3s (port 995 style): TLS from the first byte, no STLS. */
  implicitTls: boolean;
  /** Load balancers whose connections start with a PROXY v1/v2 header. */
  proxyNetworks?: readonly string[];
  /** Maildrop lock lease; defaults to 120 s (renewed by a heartbeat while the session lives). */
  lockLeaseSeconds?: number;
}

export interface Pop3Deps {
  options: Pop3Options;
  directory: Pick<Directory, 'authenticate'>;
  store: Pick<MailboxStore, 'getMailbox' | 'listMessages' | 'readMessage' | 'expunge'>;
  db: SqlDatabase;
  secureContext: () => SecureContext;
  authThrottle: AuthThrottle;
  log: Logger;
  nodeId: string;
}

export type Pop3State = 'authorization' | 'transaction' | 'update' | 'closed';

/** RFC 2449 / RFC 3206 extended response codes. */
export type RespCode = 'IN-USE' | 'LOGIN-DELAY' | 'AUTH' | 'SYS/TEMP' | 'SYS/PERM';
