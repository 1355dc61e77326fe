import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { AuthThrottle } from '../../core/auth/auth-throttle';
import type { Directory } from '../../core/directory/directory';
import type { SieveScriptStore } from '../../core/sieve/script-store';

export interface ManageSieveOptions {
  /** AUTHENTICATE on a connection without TLS (tests, trusted networks only), as pop3/imap decide it. */
  allowInsecureAuth: boolean;
  idleTimeoutMs: number;
  /** Before AUTHENTICATE succeeds; a connection that never logs in holds no slot for long. */
  unauthenticatedTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Bytes of one command line outside its literals. */
  maxLineLength: number;
  /** Bytes of all literals of one command together (a script upload is one literal). */
  maxLiteralSize: number;
  maxErrors: number;
  hostname: string;
  /** Load balancers whose connections start with a PROXY v1/v2 header. */
  proxyNetworks?: readonly string[];
}

export const DEFAULT_MANAGESIEVE_OPTIONS: Omit<ManageSieveOptions, 'hostname'> = {
  allowInsecureAuth: false,
  idleTimeoutMs: 30 * 60_000,
  unauthenticatedTimeoutMs: 60_000,
  maxConnections: 1000,
  maxConnectionsPerIp: 20,
  maxLineLength: 8 * 1024,
  maxLiteralSize: 1024 * 1024,
  maxErrors: 10,
};

export type SieveScripts = Pick<
  SieveScriptStore,
  'list' | 'get' | 'put' | 'rename' | 'remove' | 'setActive' | 'check' | 'limits'
>;

export interface ManageSieveDeps {
  options: ManageSieveOptions;
  directory: Pick<Directory, 'authenticate'>;
  scripts: SieveScripts;
  /** The SIEVE capability: the engine's extensions (core/sieve SIEVE_EXTENSIONS). */
  extensions: readonly string[];
  secureContext: () => SecureContext;
  authThrottle: AuthThrottle;
  log: Logger;
}

export type SieveState = 'unauthenticated' | 'authenticated' | 'closed';

/** RFC 5804 §1.3 response codes this server sends. */
export type RespCode =
  | 'AUTH-TOO-WEAK'
  | 'ENCRYPT-NEEDED'
  | 'QUOTA/MAXSCRIPTS'
  | 'QUOTA/MAXSIZE'
  | 'NONEXISTENT'
  | 'ACTIVE'
  | 'ALREADYEXISTS'
  | 'WARNINGS'
  | 'TRYLATER'
  | 'SASL'
  | `TAG ${string}`;
