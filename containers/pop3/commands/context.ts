import type { Account } from '../../../core/directory/types';
import type { Pop3Command } from '../command-parser';
import type { Maildrop } from '../maildrop';
import type { Pop3Deps, Pop3State, RespCode } from '../types';

/** What a command handler may see and do; the session implements it. */
export interface Pop3Context {
  readonly deps: Pop3Deps;
  readonly remoteAddress: string;
  readonly secure: boolean;
  readonly state: Pop3State;
  readonly maildrop: Maildrop | null;
  /** USER given and waiting for PASS. */
  pendingUser: string | null;
  /** Sends a response, waiting while the client is slow to read (large RETRs stay bounded). */
  send(data: string | Buffer): Promise<void>;
  /** Sends -ERR and counts it towards the session's error limit. */
  error(text: string, code?: RespCode): void;
  /** Whether USER/PASS and AUTH may be used on this connection right now. */
  authAllowed(): boolean;
  /** The next raw line goes to `handler` instead of the command parser (SASL exchanges). */
  expectContinuation(handler: (line: string) => Promise<void>): void;
  /** After a successful login: lock and snapshot the maildrop, enter TRANSACTION. */
  openMaildrop(account: Account): Promise<void>;
  startTls(): void;
  quit(): Promise<void>;
}

export interface CommandHandler {
  /** States in which the command is valid (RFC 1939 lists each command's state). */
  states: readonly Pop3State[];
  run(ctx: Pop3Context, command: Pop3Command): Promise<void> | void;
}
