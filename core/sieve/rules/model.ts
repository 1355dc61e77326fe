/**
 * The webmail's filter rules (issue #18): a small model the rules editor edits, turned into Sieve
 * by generate.ts and read back by read.ts. Validation here is the one gate for input from the
 * network (the webmail API): anything it accepts generates a script that compiles.
 */

export type MatchType = 'contains' | 'is' | 'matches';

export type Condition =
  /** A header field (From, To, Subject or any named one); `not` negates the test. */
  | { type: 'header'; header: string; match: MatchType; value: string; not: boolean }
  | { type: 'size'; comparator: 'over' | 'under'; bytes: number }
  /** The spam verdict delivery adds (X-Nimbus-Spam: Yes…). */
  | { type: 'spam'; isSpam: boolean };

export type Action =
  /** Move (copy false) or copy (copy true) into a folder. */
  | { type: 'fileinto'; folder: string; copy: boolean }
  /** An IMAP flag (\\Flagged, \\Seen = mark read) or a keyword. */
  | { type: 'flag'; flag: string }
  /** Forward; copy true keeps a copy here. */
  | { type: 'redirect'; address: string; copy: boolean }
  | { type: 'reject'; reason: string }
  | { type: 'discard' }
  | { type: 'stop' };

export interface Rule {
  name: string;
  enabled: boolean;
  /** all: every condition must hold (allof); any: one is enough (anyof). */
  match: 'all' | 'any';
  conditions: Condition[];
  actions: Action[];
}

export interface RulesLimits {
  maxRules: number;
  maxConditions: number;
  maxActions: number;
  /** Characters of a name, value, folder, address or reason. */
  maxText: number;
}

export const DEFAULT_RULES_LIMITS: RulesLimits = {
  maxRules: 200,
  maxConditions: 20,
  maxActions: 10,
  maxText: 1000,
};

export const SYSTEM_FLAGS = ['\\Flagged', '\\Seen', '\\Answered', '\\Deleted', '\\Draft'];
const MATCHES: MatchType[] = ['contains', 'is', 'matches'];
/** RFC 5322 field-name: printable ASCII except ':'. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]{1,76}$/;
/** An IMAP atom keyword (no atom-specials), as RFC 5232 flags are. */
const KEYWORD = /^[^\s()[\]{}%*"\\\x00-\x1f\x7f]{1,100}$/;
const ADDRESS = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+$/;

const CONTROL = /[\u0000-\u001f\u007f]/;

export class RulesError extends Error {
  constructor(
    message: string,
    /** Which rule (0-based) the problem is in, when it is in one. */
    readonly rule?: number,
  ) {
    super(message);
    this.name = 'RulesError';
  }
}

type Obj = Record<string, unknown>;
/** No lone surrogates (encodeURIComponent refuses them); String#isWellFormed is ES2024. */
const wellFormed = (v: string): boolean => {
  try {
    encodeURIComponent(v);
    return true;
  } catch {
    return false;
  }
};
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(
  v: unknown,
  what: string,
  limits: RulesLimits,
  opts: { empty?: boolean; lines?: boolean } = {},
): string {
  if (typeof v !== 'string') throw new RulesError(`${what} must be text`);
  if (!opts.empty && v.length === 0) throw new RulesError(`${what} is empty`);
  if (v.length > limits.maxText) throw new RulesError(`${what} is longer than ${limits.maxText} characters`);
  const control = opts.lines ? /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/ : CONTROL;
  if (control.test(v) || !wellFormed(v)) throw new RulesError(`${what} has control characters`);
  return v;
}

function condition(v: unknown, limits: RulesLimits): Condition {
  if (!isObj(v)) throw new RulesError('a condition must be an object');
  switch (v.type) {
    case 'header': {
      const header = str(v.header, 'the header name', limits);
      if (!FIELD_NAME.test(header)) throw new RulesError(`"${header}" is not a header field name`);
      if (!MATCHES.includes(v.match as MatchType))
        throw new RulesError('match must be contains, is or matches');
      return {
        type: 'header',
        header,
        match: v.match as MatchType,
        value: str(v.value, 'the value', limits, { empty: true }),
        not: v.not === true,
      };
    }
    case 'size': {
      if (v.comparator !== 'over' && v.comparator !== 'under')
        throw new RulesError('size must be over or under');
      const bytes = v.bytes;
      if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0 || bytes > 2 ** 31)
        throw new RulesError('the size must be a whole number of bytes');
      return { type: 'size', comparator: v.comparator, bytes };
    }
    case 'spam':
      return { type: 'spam', isSpam: v.isSpam !== false };
    default:
      throw new RulesError(`unknown condition ${String(v.type)}`);
  }
}

function action(v: unknown, limits: RulesLimits): Action {
  if (!isObj(v)) throw new RulesError('an action must be an object');
  switch (v.type) {
    case 'fileinto':
      return { type: 'fileinto', folder: str(v.folder, 'the folder', limits), copy: v.copy === true };
    case 'flag': {
      const flag = str(v.flag, 'the flag', limits);
      const system = SYSTEM_FLAGS.find((f) => f.toLowerCase() === flag.toLowerCase());
      if (!system && (flag.startsWith('\\') || !KEYWORD.test(flag)))
        throw new RulesError(`"${flag}" is not a flag`);
      return { type: 'flag', flag: system ?? flag };
    }
    case 'redirect': {
      const address = str(v.address, 'the forwarding address', limits).trim();
      if (!ADDRESS.test(address) || address.length > 254)
        throw new RulesError(`"${address}" is not an address`);
      return { type: 'redirect', address, copy: v.copy === true };
    }
    case 'reject':
      return { type: 'reject', reason: str(v.reason, 'the reject text', limits, { lines: true }) };
    case 'discard':
      return { type: 'discard' };
    case 'stop':
      return { type: 'stop' };
    default:
      throw new RulesError(`unknown action ${String(v.type)}`);
  }
}

/** Actions that make sense together: reject and discard stand alone (stop aside), stop comes last. */
function checkActions(actions: Action[]): void {
  if (actions.length === 0) throw new RulesError('a rule needs an action');
  const stop = actions.findIndex((a) => a.type === 'stop');
  if (stop >= 0 && stop !== actions.length - 1) throw new RulesError('stop must be the last action');
  const final = actions.filter((a) => a.type === 'reject' || a.type === 'discard');
  if (final.length > 0 && actions.some((a) => a.type !== 'stop' && a !== final[0]))
    throw new RulesError(`${final[0].type} cannot be combined with other actions`);
}

/** The rules sent by a client, checked and normalised; throws RulesError naming the problem. */
export function parseRules(value: unknown, limits: RulesLimits = DEFAULT_RULES_LIMITS): Rule[] {
  if (!Array.isArray(value)) throw new RulesError('rules must be a list');
  if (value.length > limits.maxRules) throw new RulesError(`at most ${limits.maxRules} rules`);
  return value.map((r, i) => {
    try {
      if (!isObj(r)) throw new RulesError('a rule must be an object');
      const conditions = Array.isArray(r.conditions) ? r.conditions : [];
      const actions = Array.isArray(r.actions) ? r.actions : [];
      if (conditions.length > limits.maxConditions)
        throw new RulesError(`at most ${limits.maxConditions} conditions in a rule`);
      if (actions.length > limits.maxActions)
        throw new RulesError(`at most ${limits.maxActions} actions in a rule`);
      const rule: Rule = {
        name: str(r.name ?? '', 'the rule name', limits, { empty: true }),
        enabled: r.enabled !== false,
        match: r.match === 'any' ? 'any' : 'all',
        conditions: conditions.map((c) => condition(c, limits)),
        actions: actions.map((a) => action(a, limits)),
      };
      checkActions(rule.actions);
      return rule;
    } catch (error) {
      if (error instanceof RulesError) throw new RulesError(`rule ${i + 1}: ${error.message}`, i);
      throw error;
    }
  });
}
