/**
 * The password policy every path that sets a password enforces (CLI, admin API, webmail password
 * change, administrators): a minimum length, no password built from the address itself, nothing
 * from the common-password lists, and a minimum zxcvbn strength score. The strength estimate is
 * @zxcvbn-ts (its common-password, diceware, name and English word lists), loaded once, lazily:
 * the dictionaries cost a few hundred milliseconds to build and most processes never need them.
 */
import type { ZxcvbnFactory, ZxcvbnResult } from '@zxcvbn-ts/core';

export interface PasswordPolicy {
  /** Characters (code points) at least. */
  minLength: number;
  /** zxcvbn score 0–4 at least (3: "safely unguessable", ~10^10 guesses). */
  minScore: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 10, minScore: 3 };

/** Longer than this is refused: hashing and estimating unbounded input is a denial of service. */
export const MAX_PASSWORD_LENGTH = 256;
/** zxcvbn's run time grows with the length; beyond this many characters the rest only adds strength. */
const ESTIMATE_LENGTH = 100;

/** Why a password was refused; the message is safe to show (it never contains the password). */
export class WeakPasswordError extends Error {
  readonly code = 'weak-password';
  constructor(message: string) {
    super(message);
    this.name = 'WeakPasswordError';
  }
}

let factory: ZxcvbnFactory | null = null;

function estimator(): ZxcvbnFactory {
  if (!factory) {
    // Required here rather than imported: only a process that checks a password pays for the lists.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const core = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
    const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    const en = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
    /* eslint-enable @typescript-eslint/no-require-imports */
    factory = new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
  }
  return factory;
}

/** An address (or an administrator's name) split into what a password must not be made of. */
function personal(address: string) {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  const local = at > 0 ? lower.slice(0, at) : lower;
  const domain = at > 0 ? lower.slice(at + 1) : '';
  const words = [...local.split(/[._+-]/), ...domain.split('.')].filter((w) => w.length >= 3);
  // zxcvbn's user inputs: parts of the password found here count as known to the attacker.
  const inputs = [...new Set([lower, local, domain, ...words].filter((w) => w.length > 0))];
  return { lower, local, inputs };
}

/**
 * Checks `password` against `policy`; throws WeakPasswordError with the reason when refused.
 * `address`: whose password it is (an account address or an administrator's name).
 */
export function assertPasswordAcceptable(
  password: string,
  options: { address?: string; policy?: PasswordPolicy } = {},
): void {
  const policy = options.policy ?? DEFAULT_PASSWORD_POLICY;
  const length = [...password].length;
  if (length < policy.minLength)
    throw new WeakPasswordError(`the password must have at least ${policy.minLength} characters`);
  if (length > MAX_PASSWORD_LENGTH)
    throw new WeakPasswordError(`the password must have at most ${MAX_PASSWORD_LENGTH} characters`);
  if (/[\0\r\n]/.test(password))
    throw new WeakPasswordError(
      'the password must not contain NUL or line breaks (IMAP and SASL cannot send them)',
    );
  const who = options.address ? personal(options.address) : null;
  const folded = password.trim().toLowerCase();
  if (
    who &&
    (folded.includes(who.lower) || folded === who.local || folded === [...who.local].reverse().join(''))
  )
    throw new WeakPasswordError('the password must not be the address or its user name');
  const result = estimator().check(password.slice(0, ESTIMATE_LENGTH), who?.inputs ?? []);
  if (isCommon(result, password.slice(0, ESTIMATE_LENGTH)))
    throw new WeakPasswordError('the password is on a list of commonly used passwords');
  if (result.score < policy.minScore) {
    const hint = result.feedback.warning ?? result.feedback.suggestions[0] ?? null;
    throw new WeakPasswordError(
      `the password is too easy to guess (strength ${result.score} of 4, at least ${policy.minScore} needed)` +
        (hint ? `: ${hint.replace(/\.$/, '')}` : ''),
    );
  }
}

/** The whole password is one entry of the common-password list (in any case, l33t or reversed). */
function isCommon(result: ZxcvbnResult, checked: string): boolean {
  return result.sequence.some(
    (match) =>
      match.pattern === 'dictionary' &&
      match.dictionaryName === 'passwords-common' &&
      match.i === 0 &&
      match.j === checked.length - 1,
  );
}
