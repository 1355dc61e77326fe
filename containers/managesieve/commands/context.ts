import type { Account } from '../../../core/directory/types';
import type { Token } from '../parser';
import type { ManageSieveDeps, RespCode, SieveState } from '../types';

/** What a command handler may see and do; the session implements it. */
export interface SieveContext {
  readonly deps: ManageSieveDeps;
  readonly remoteAddress: string;
  readonly secure: boolean;
  readonly state: SieveState;
  /** The logged-in account (authenticated state). */
  readonly account: Account | null;
  /** Sends a response, waiting while the client is slow to read. */
  send(data: string): Promise<void>;
  /** Answers NO for a protocol error (syntax, state, failed login) and counts it towards the error limit. */
  error(text: string, code?: RespCode): Promise<void>;
  /** Whether AUTHENTICATE may be used on this connection right now. */
  authAllowed(): boolean;
  /** The next command-shaped input (a SASL response string) goes to `handler`. */
  expectContinuation(handler: (tokens: Token[]) => Promise<void>): void;
  /** The capability lines and OK, for this connection in its current state. */
  capability(): string;
  loggedIn(account: Account): void;
  unauthenticate(): void;
  startTls(): void;
  logout(): void;
}

export interface CommandHandler {
  /** States in which the command is valid (RFC 5804 §2). */
  states: readonly SieveState[];
  run(ctx: SieveContext, args: Token[]): Promise<void> | void;
}

export const ANY = ['unauthenticated', 'authenticated'] as const;
export const AUTHENTICATED = ['authenticated'] as const;
export const UNAUTHENTICATED = ['unauthenticated'] as const;
