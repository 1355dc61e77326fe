/**
 * Public shapes of the Sieve engine (RFC 5228 and extensions) and the compiled script form.
 * The engine does no I/O: everything outside the message comes through SieveEnvironment.
 */

export interface SieveError {
  line: number;
  column: number;
  message: string;
}

/** 1-based position in the script text. */
export interface Pos {
  line: number;
  column: number;
}

/** Value of a tagged argument: true for a bare tag, else its parameter. */
export type TagValue = true | string | string[] | number;
/** A positional argument after validation: strings and string lists are both string[]. */
export type ArgValue = string[] | number;

/** A validated command or test. `name` keys the registry; the node is plain data. */
export interface SieveNode {
  name: string;
  pos: Pos;
  tags: Record<string, TagValue>;
  args: ArgValue[];
  tests: SieveNode[];
  block: SieveNode[] | null;
}

export interface SieveScript {
  readonly kind: 'sieve-script';
  readonly requires: readonly string[];
  readonly commands: readonly SieveNode[];
  readonly global: boolean;
}

export type SieveCompileResult = { ok: true; script: SieveScript } | { ok: false; error: SieveError };

export interface SieveLimits {
  maxSteps?: number;
  maxRedirects?: number;
  maxIncludeDepth?: number;
  maxActions?: number;
}

export interface SieveEnvironment {
  /** Raw RFC 5322 message (header + body). */
  message: Buffer;
  envelope: { from: string; to: string; originalTo?: string; auth?: string };
  /** The account's own addresses (vacation's implicit :addresses). */
  userAddresses: string[];
  /** RFC 5235 scales (spam 0..10, virus 0..5); undefined = not tested. */
  spamScore?: number;
  virusScore?: number;
  mailboxExists(name: string): Promise<boolean>;
  mailboxIdExists?(id: string): Promise<boolean>;
  /** The delivery layer stores ids from result.duplicates. */
  duplicateSeen(key: string): Promise<boolean>;
  /** Already compiled; null when there is no such script. */
  loadInclude(name: string, location: 'personal' | 'global'): Promise<SieveScript | null>;
  now: Date;
  /** "+0100", "-0530", "UTC" or an IANA zone name; UTC when absent. */
  timezone?: string;
  limits?: SieveLimits;
}

export type SieveAction =
  | { type: 'keep'; flags: string[] }
  | { type: 'fileinto'; mailbox: string; mailboxId?: string; create: boolean; copy: boolean; flags: string[] }
  | { type: 'redirect'; address: string; copy: boolean }
  | { type: 'reject'; reason: string; extended: boolean }
  | { type: 'discard' }
  | {
      type: 'vacation';
      handle: string;
      subject?: string;
      from?: string;
      addresses: string[];
      mime: boolean;
      reason: string;
      seconds: number;
    };

export interface SieveResult {
  /** Final list including the implicit keep when it applies (RFC 5228 §2.10.2). */
  actions: SieveAction[];
  /** Set when editheader changed the header (keep/fileinto/redirect use it). */
  editedMessage?: Buffer;
  /** Ids the caller records if delivery succeeds (RFC 7352). */
  duplicates: { key: string; seconds: number }[];
  /** Runtime error or limit hit: then actions = [{type:'keep'}] (never lose mail). */
  error?: string;
}
