/**
 * A Mailbox search (Search Store "Mailbox", Find MailBoxSearchCriterion) over the account's own
 * mail folders with the IMAP search engine (core/store/search): each word as IMAP TEXT, the
 * DateReceived bounds on the internal date. Newest first. A folder that is not the account's
 * makes the query invalid; how many messages one search may look at is bounded (`maxScan`).
 */
import type { BlobStore } from '../../ports/blob-store';
import type { SqlExecutor } from '../../ports/sql';
import { HIERARCHY_DELIMITER } from '../../store/mailbox-admin';
import { SearchEngine, type CoreSearchKey } from '../../store/search/search-engine';
import { mailboxIdOf, mailServerId } from '../folders';
import type { MailboxQuery } from './search-parse';

export interface MailboxHit {
  collectionId: string;
  serverId: string;
  received: Date;
}

export interface MailboxSearchLimits {
  /** Messages (newest first, over all folders searched) one search may examine. */
  maxScan: number;
}

export const DEFAULT_MAILBOX_SEARCH_LIMITS: MailboxSearchLimits = { maxScan: 20_000 };

/** The folders to search: the query's (each must be the account's), or all the account's own. */
async function targetFolders(
  db: SqlExecutor,
  accountId: number,
  query: MailboxQuery,
): Promise<number[] | null> {
  const rows = await db.query<{ id: string | number; name: string }>(
    `SELECT id, name FROM mailboxes WHERE account_id = $1 ORDER BY id`,
    [accountId],
  );
  const mine = rows.rows.filter((r) => !r.name.startsWith('Other Users'));
  const own = new Map(mine.map((r) => [Number(r.id), r.name]));
  if (query.collectionIds.length === 0) return [...own.keys()];
  const wanted = query.collectionIds.map(mailboxIdOf);
  if (wanted.some((id) => id === null || !own.has(id))) return null;
  const out = new Set(wanted as number[]);
  if (query.deepTraversal) {
    const prefixes = [...out].map((id) => own.get(id)! + HIERARCHY_DELIMITER);
    for (const r of mine) if (prefixes.some((p) => r.name.startsWith(p))) out.add(Number(r.id));
  }
  return [...out];
}

export async function searchMailboxes(
  deps: { db: SqlExecutor; blobs: BlobStore },
  accountId: number,
  query: MailboxQuery,
  limits: MailboxSearchLimits = DEFAULT_MAILBOX_SEARCH_LIMITS,
): Promise<MailboxHit[] | null> {
  const folders = await targetFolders(deps.db, accountId, query);
  if (!folders) return null;
  // Only mail lives in these folders: a query for another class finds nothing.
  if (query.classes.length > 0 && !query.classes.includes('Email')) return [];
  const engine = new SearchEngine(deps.db, deps.blobs);
  const key: CoreSearchKey =
    query.words.length > 0
      ? { op: 'and', keys: query.words.map((value): CoreSearchKey => ({ op: 'text', value })) }
      : { op: 'all' };
  const hits: MailboxHit[] = [];
  let budget = limits.maxScan;
  for (const mailboxId of folders) {
    if (budget <= 0) break;
    const params: unknown[] = [mailboxId, budget];
    let dates = '';
    if (query.after) {
      params.push(query.after);
      dates += ` AND internal_date > $${params.length}`;
    }
    if (query.before) {
      params.push(query.before);
      dates += ` AND internal_date < $${params.length}`;
    }
    const uids = await deps.db.query<{ uid: string }>(
      `SELECT uid FROM messages WHERE mailbox_id = $1${dates} ORDER BY internal_date DESC, uid DESC LIMIT $2`,
      params,
    );
    if (uids.rows.length === 0) continue;
    budget -= uids.rows.length;
    const rows = await engine.search(
      mailboxId,
      uids.rows.map((r) => Number(r.uid)),
      key,
    );
    const folder = mailServerId(mailboxId);
    for (const r of rows)
      hits.push({ collectionId: folder, serverId: `${folder}:${r.uid}`, received: r.internalDate });
  }
  return hits.sort((a, b) => b.received.getTime() - a.received.getTime());
}
