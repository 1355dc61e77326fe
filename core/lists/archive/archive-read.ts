/**
 * Reading a list's archive: the months that have posts, one month's posts (keyset by id), one
 * post, and search by subject, sender and body text. Search narrows in SQL on the stored text,
 * then decides with the IMAP SEARCH evaluator (core/store/search), so both match alike.
 */
import type { MessageStructure } from '../../mime';
import type { BlobStore } from '../../ports/blob-store';
import type { SqlExecutor } from '../../ports/sql';
import { evaluate, type CoreSearchKey, type SearchRow } from '../../store/search/search-engine';

export interface ArchiveEntry {
  id: string;
  subject: string;
  from: string;
  messageId: string | null;
  sentAt: string | null;
  archivedAt: string;
  size: number;
}

export interface ArchiveQuery {
  subject?: string;
  from?: string;
  body?: string;
  /** Anywhere: header fields or body. */
  text?: string;
}

export const ARCHIVE_LIMITS = { defaultPage: 50, maxPage: 200, maxQuery: 200, scanBatch: 500 };

interface EntryRow {
  id: string;
  public_id: string;
  subject: string;
  from_text: string;
  message_id: string | null;
  sent_at: Date | null;
  archived_at: Date;
  size: string;
}

const ENTRY_COLUMNS = 'id, public_id, subject, from_text, message_id, sent_at, archived_at, size';

const toEntry = (r: EntryRow): ArchiveEntry => ({
  id: r.public_id,
  subject: r.subject,
  from: r.from_text,
  messageId: r.message_id,
  sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
  archivedAt: new Date(r.archived_at).toISOString(),
  size: Number(r.size),
});

const pageSize = (limit: number | undefined): number =>
  Math.max(1, Math.min(ARCHIVE_LIMITS.maxPage, Math.floor(limit ?? ARCHIVE_LIMITS.defaultPage)));

export async function archiveMonths(
  db: SqlExecutor,
  listId: string,
): Promise<{ month: string; count: number }[]> {
  const found = await db.query<{ month: string; n: number }>(
    `SELECT month, count(*)::int AS n FROM list_archive WHERE list_id = $1::bigint GROUP BY month ORDER BY month DESC`,
    [listId],
  );
  return found.rows.map((r) => ({ month: r.month, count: r.n }));
}

/** A month's posts, oldest first, `limit` at a time; `next` continues the listing. */
export async function archiveMonth(
  db: SqlExecutor,
  listId: string,
  month: string,
  options: { limit?: number; after?: string } = {},
): Promise<{ entries: ArchiveEntry[]; next: string | null }> {
  const limit = pageSize(options.limit);
  const after = /^[0-9]{1,18}$/.test(options.after ?? '') ? options.after! : '0';
  const found = await db.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM list_archive WHERE list_id = $1::bigint AND month = $2 AND id > $3::bigint
     ORDER BY id LIMIT $4`,
    [listId, month, after, limit + 1],
  );
  const rows = found.rows.slice(0, limit);
  return {
    entries: rows.map(toEntry),
    next: found.rows.length > limit ? String(rows[rows.length - 1].id) : null,
  };
}

export interface ArchivedPost extends ArchiveEntry {
  raw: Buffer;
  structure: MessageStructure;
}

export async function archivedPost(
  db: SqlExecutor,
  blobs: BlobStore,
  listId: string,
  id: string,
): Promise<ArchivedPost | null> {
  const found = await db.query<EntryRow & { blob_key: string; structure: unknown }>(
    `SELECT ${ENTRY_COLUMNS}, blob_key, structure FROM list_archive WHERE list_id = $1::bigint AND public_id = $2`,
    [listId, id],
  );
  const row = found.rows[0];
  if (!row) return null;
  const structure = (
    typeof row.structure === 'string' ? JSON.parse(row.structure) : row.structure
  ) as MessageStructure;
  return { ...toEntry(row), raw: await blobs.get(row.blob_key), structure };
}

const escapeLike = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => '\\' + c)}%`;

/** The query as an IMAP SEARCH key (SUBJECT, FROM, BODY, TEXT), every given term required. */
export function searchKey(query: ArchiveQuery): CoreSearchKey {
  const keys: CoreSearchKey[] = [];
  if (query.subject) keys.push({ op: 'header', field: 'subject', value: query.subject });
  if (query.from) keys.push({ op: 'header', field: 'from', value: query.from });
  if (query.body) keys.push({ op: 'body', value: query.body });
  if (query.text) keys.push({ op: 'text', value: query.text });
  return keys.length === 0 ? { op: 'none' } : { op: 'and', keys };
}

/** Newest first, at most `limit` matches. */
export async function searchArchive(
  db: SqlExecutor,
  listId: string,
  query: ArchiveQuery,
  options: { limit?: number } = {},
): Promise<ArchiveEntry[]> {
  const key = searchKey(query);
  if (key.op === 'none') return [];
  const limit = pageSize(options.limit);
  const conditions: string[] = [];
  const params: unknown[] = [listId];
  const like = (column: string, value: string) => {
    params.push(escapeLike(value));
    conditions.push(`${column} ILIKE $${params.length}`);
  };
  if (query.subject) like('subject', query.subject);
  if (query.from) like('search_headers', query.from);
  if (query.body) like('search_body', query.body);
  if (query.text) {
    params.push(escapeLike(query.text));
    conditions.push(`(search_headers ILIKE $${params.length} OR search_body ILIKE $${params.length})`);
  }
  const out: ArchiveEntry[] = [];
  let before = '9223372036854775807';
  for (;;) {
    const found = await db.query<
      EntryRow & { structure: unknown; search_headers: string; search_body: string }
    >(
      `SELECT ${ENTRY_COLUMNS}, structure->'envelope' AS structure, search_headers, search_body FROM list_archive
       WHERE list_id = $1::bigint AND id < $${params.length + 1}::bigint AND ${conditions.join(' AND ')}
       ORDER BY id DESC LIMIT ${ARCHIVE_LIMITS.scanBatch}`,
      [...params, before],
    );
    const now = Date.now();
    for (const r of found.rows) {
      const envelope = (
        typeof r.structure === 'string' ? JSON.parse(r.structure) : r.structure
      ) as SearchRow['envelope'];
      const row: SearchRow = {
        id: Number(r.id),
        uid: Number(r.id),
        modseq: 0,
        flags: [],
        internalDate: new Date(r.archived_at),
        size: Number(r.size),
        envelope,
        text: { headers: r.search_headers, body: r.search_body },
      };
      if (evaluate(key, row, now)) out.push(toEntry(r));
      if (out.length >= limit) return out;
    }
    if (found.rows.length < ARCHIVE_LIMITS.scanBatch) return out;
    before = String(found.rows[found.rows.length - 1].id);
  }
}
