/**
 * What the digest code reads of the list directory (migrations-lists.ts): the list by id, its
 * digest thresholds and, page by page (keyset on list_members.id), its digest members.
 */
import type { SqlExecutor } from '../../ports/sql';
import type { DigestFrequency } from './period';

export interface DigestList {
  id: string;
  address: string;
  name: string;
  /** lists.digest_schedule; a list without one still sends its digest members a daily digest. */
  frequency: DigestFrequency;
  maxPosts: number;
  maxBytes: number;
}

export type DigestFormat = 'mime' | 'plain';

export interface DigestMember {
  id: string;
  address: string;
  format: DigestFormat;
}

export async function loadDigestList(db: SqlExecutor, listId: string): Promise<DigestList | null> {
  const found = await db.query<{
    id: string;
    address: string;
    name: string;
    digest_schedule: DigestFrequency | null;
    max_posts: number | null;
    max_bytes: string | null;
  }>(
    `SELECT l.id, l.address, l.name, l.digest_schedule, s.max_posts, s.max_bytes
     FROM lists l LEFT JOIN list_digest_settings s ON s.list_id = l.id WHERE l.id = $1::bigint`,
    [listId],
  );
  const row = found.rows[0];
  if (!row) return null;
  return {
    id: String(row.id),
    address: row.address,
    name: row.name,
    frequency: row.digest_schedule ?? 'daily',
    maxPosts: Number(row.max_posts ?? 0),
    maxBytes: Number(row.max_bytes ?? 0),
  };
}

/** Early-digest thresholds (0: none): "when N posts or S bytes accumulate". */
export async function setDigestThresholds(
  db: SqlExecutor,
  listId: string,
  thresholds: { maxPosts: number; maxBytes: number },
): Promise<void> {
  await db.query(
    `INSERT INTO list_digest_settings (list_id, max_posts, max_bytes) VALUES ($1::bigint, $2, $3)
     ON CONFLICT (list_id) DO UPDATE SET max_posts = EXCLUDED.max_posts, max_bytes = EXCLUDED.max_bytes`,
    [listId, Math.max(0, Math.floor(thresholds.maxPosts)), Math.max(0, Math.floor(thresholds.maxBytes))],
  );
}

/** A member's choice between the MIME digest and the RFC 1153 plain-text one. */
export async function setDigestFormat(
  db: SqlExecutor,
  listId: string,
  address: string,
  format: DigestFormat,
): Promise<void> {
  await db.query(
    `INSERT INTO list_digest_formats (list_id, address, format) VALUES ($1::bigint, lower($2), $3)
     ON CONFLICT (list_id, address) DO UPDATE SET format = EXCLUDED.format`,
    [listId, address, format],
  );
}

/** The next page of active digest members after member id `after` ('0' for the first). */
export async function digestMembersPage(
  db: SqlExecutor,
  listId: string,
  after: string,
  limit: number,
): Promise<DigestMember[]> {
  const page = await db.query<{ id: string; address: string; format: string | null }>(
    `SELECT m.id, m.address, f.format FROM list_members m
     LEFT JOIN list_digest_formats f ON f.list_id = m.list_id AND f.address = lower(m.address)
     WHERE m.list_id = $1::bigint AND m.delivery_mode = 'digest' AND m.disabled_reason IS NULL
       AND m.id > $2::bigint
     ORDER BY m.id LIMIT $3`,
    [listId, after, limit],
  );
  return page.rows.map((r) => ({
    id: String(r.id),
    address: r.address,
    format: r.format === 'plain' ? 'plain' : 'mime',
  }));
}
