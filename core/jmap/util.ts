import type { SqlExecutor } from '../ports/sql';
import { JmapMethodError } from './errors';
import type { JmapAccount } from './context';
import { accountIdOf } from './ids';

export type Args = Record<string, unknown>;

/** /set's ifInState (RFC 8620 §5.3): the call fails when the state has moved on. */
export function checkIfInState(args: Args, state: string): void {
  if (args.ifInState !== undefined && args.ifInState !== null && args.ifInState !== state) {
    throw new JmapMethodError('stateMismatch');
  }
}

/** Every method names its account: it must be the authenticated one (per-account isolation). */
export function checkAccount(args: Args, account: JmapAccount): void {
  if (args.accountId !== accountIdOf(account.id)) {
    throw new JmapMethodError('accountNotFound', 'no such account for this user');
  }
}

export function idList(value: unknown, name: string): string[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new JmapMethodError('invalidArguments', `${name} must be a list of ids`);
  }
  return value as string[];
}

export function propertyList(
  value: unknown,
  allowed: readonly string[],
  fallback: readonly string[],
): string[] {
  if (value === null || value === undefined) return [...fallback];
  if (!Array.isArray(value)) throw new JmapMethodError('invalidArguments', 'properties must be a list');
  for (const p of value) {
    if (typeof p !== 'string' || (!allowed.includes(p) && !p.startsWith('header:'))) {
      throw new JmapMethodError('invalidArguments', `unknown property ${String(p)}`);
    }
  }
  return value as string[];
}

export const bigintArray = (ids: number[]): string => `{${ids.join(',')}}`;

/** The account's address and its alias sources: the addresses it may send as. */
export async function ownAddresses(db: SqlExecutor, account: JmapAccount): Promise<string[]> {
  const aliases = await db.query<{ source: string }>(`SELECT source FROM aliases WHERE target = $1`, [
    account.address,
  ]);
  return [account.address, ...aliases.rows.map((r) => r.source)].map((a) => a.toLowerCase());
}

/** JMAP keywords ↔ IMAP flags. */
const SYSTEM: Record<string, string> = {
  $seen: '\\Seen',
  $flagged: '\\Flagged',
  $answered: '\\Answered',
  $draft: '\\Draft',
  $deleted: '\\Deleted',
};
export function flagsToKeywords(flags: string[]): Record<string, true> {
  const out: Record<string, true> = {};
  for (const flag of flags) {
    if (flag === '\\Recent') continue;
    const keyword = Object.entries(SYSTEM).find(([, f]) => f.toLowerCase() === flag.toLowerCase())?.[0];
    out[keyword ?? flag.toLowerCase()] = true;
  }
  return out;
}
export function keywordToFlag(keyword: string): string {
  return SYSTEM[keyword.toLowerCase()] ?? keyword.toLowerCase();
}
export function validKeyword(keyword: string): boolean {
  return /^[\x21-\x7e]{1,255}$/.test(keyword) && !/[()[\]{}%*"\\]/.test(keyword);
}
