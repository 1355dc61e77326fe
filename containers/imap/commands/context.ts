import type { Tokenizer } from '../parser/tokenizer';
import type { ImapSession } from '../session';
import type { CommandResult, SessionState } from '../types';

export interface CommandContext {
  tag: string;
  /** Upper-case command name, without the UID prefix. */
  name: string;
  uid: boolean;
  t: Tokenizer;
}

/** A handler returns the tagged result, or null when it has answered (or will answer) itself. */
export type Handler = (session: ImapSession, ctx: CommandContext) => Promise<CommandResult | null>;

export interface CommandSpec {
  handler: Handler;
  states: SessionState[];
  /** Allowed after UID. */
  uid?: boolean;
  /** EXPUNGE responses may not be sent at the end of this command (FETCH, STORE, SEARCH). */
  noExpunge?: boolean;
}

export const ANY: SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
export const AUTHED: SessionState[] = ['authenticated', 'selected'];
export const SELECTED: SessionState[] = ['selected'];
export const NOT_AUTHED: SessionState[] = ['not-authenticated'];
