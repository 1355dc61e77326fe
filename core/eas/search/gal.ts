/**
 * The Global Address List of ActiveSync (Search Store "GAL", Find GALSearchCriterion,
 * ResolveRecipients): the enabled accounts of the reader's own domain and that domain's aliases,
 * never another domain's. Display names come from the account's JMAP identity when it has one,
 * else the local part. Matching is by prefix of the address, the local part or a name word.
 */
import type { SqlExecutor } from '../../ports/sql';
import { el, type EasElement } from '../wbxml/tree';

export interface GalEntry {
  displayName: string;
  emailAddress: string;
  alias: string;
  firstName?: string;
  lastName?: string;
}

export const domainOf = (address: string): string =>
  address.slice(address.lastIndexOf('@') + 1).toLowerCase();
const localOf = (address: string): string => address.slice(0, address.lastIndexOf('@'));

function entry(address: string, name: string | null): GalEntry {
  const displayName = name?.trim() || localOf(address);
  const words = name?.trim().split(/\s+/) ?? [];
  return {
    displayName,
    emailAddress: address,
    alias: localOf(address),
    ...(words.length >= 2 ? { firstName: words[0], lastName: words.slice(1).join(' ') } : {}),
  };
}

/** Every GAL entry of the domain of `readerAddress`, sorted by display name. */
export async function galEntries(db: SqlExecutor, readerAddress: string): Promise<GalEntry[]> {
  const domain = domainOf(readerAddress);
  const accounts = await db.query<{ address: string; name: string | null }>(
    `SELECT a.address,
            (SELECT i.name FROM jmap_identities i WHERE i.account_id = a.id AND lower(i.email) = lower(a.address)
               AND i.name <> '' ORDER BY i.id LIMIT 1) AS name
     FROM accounts a JOIN domains d ON d.id = a.domain_id
     WHERE d.name = $1 AND NOT a.disabled`,
    [domain],
  );
  const aliases = await db.query<{ source: string }>(
    `SELECT DISTINCT al.source FROM aliases al JOIN domains d ON d.id = al.domain_id WHERE d.name = $1`,
    [domain],
  );
  const seen = new Set<string>();
  const out: GalEntry[] = [];
  for (const e of [
    ...accounts.rows.map((r) => entry(r.address, r.name)),
    ...aliases.rows.map((r) => entry(r.source, null)),
  ]) {
    const key = e.emailAddress.toLowerCase();
    // An alias source is a full address; skip catch-alls ("@domain") and duplicates.
    if (seen.has(key) || !e.alias) continue;
    seen.add(key);
    out.push(e);
  }
  return out.sort(
    (a, b) => a.displayName.localeCompare(b.displayName) || a.emailAddress.localeCompare(b.emailAddress),
  );
}

/** Whether `entry` answers `query` (case-insensitive prefix of the address, alias or a name word). */
export function galMatches(entry: GalEntry, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return false;
  const candidates = [
    entry.emailAddress,
    entry.alias,
    entry.displayName,
    ...entry.displayName.split(/\s+/),
  ].map((s) => s.toLowerCase());
  return candidates.some((s) => s.startsWith(q));
}

/** gal:* properties of one entry (MS-ASCMD §2.2.3.139.2 Properties (Search) for the GAL). */
export function galProperties(entry: GalEntry, namespace = 'GAL'): EasElement[] {
  return [
    el(namespace, 'DisplayName', entry.displayName),
    el(namespace, 'Alias', entry.alias),
    entry.firstName !== undefined && el(namespace, 'FirstName', entry.firstName),
    entry.lastName !== undefined && el(namespace, 'LastName', entry.lastName),
    el(namespace, 'EmailAddress', entry.emailAddress),
  ].filter((e): e is EasElement => e !== false);
}
