/**
 * One digest issue in SQL (list_digests): claimed once per list and period, built once, its two
 * forms stored as blobs. Every step is re-runnable: the claim finds its row, a rebuild after a
 * crash gives the same bytes (the row keeps the issue number and date), hence the same blob keys.
 */
import { acquireBlob, ensureStored, releaseBlobs } from '../../store/blob-refs';
import type { ListDeps } from '../deps';
import type { DigestList } from './digest-lists';
import { buildMimeDigest } from './digest-mime';
import { buildPlainDigest } from './digest-plain';
import { parsePeriod, periodEnd } from './period';
import { summarisePost } from './post-summary';

export type IssueState = 'building' | 'sending' | 'sent' | 'empty';

export interface IssueRow {
  state: IssueState;
  volume: number;
  issue: number;
  builtAt: Date;
  mimeBlob: string | null;
  mimeSize: number;
  plainBlob: string | null;
  plainSize: number;
  cursor: string | null;
  sentCount: number;
}

interface Row {
  state: IssueState;
  volume: number;
  issue: number;
  built_at: Date;
  mime_blob: string | null;
  mime_size: string | null;
  plain_blob: string | null;
  plain_size: string | null;
  cursor: string | null;
  sent_count: number;
}

const toIssue = (r: Row): IssueRow => ({
  state: r.state,
  volume: Number(r.volume),
  issue: Number(r.issue),
  builtAt: new Date(r.built_at),
  mimeBlob: r.mime_blob,
  mimeSize: Number(r.mime_size ?? 0),
  plainBlob: r.plain_blob,
  plainSize: Number(r.plain_size ?? 0),
  cursor: r.cursor,
  sentCount: Number(r.sent_count),
});

export async function readIssue(deps: ListDeps, listId: string, period: string): Promise<IssueRow | null> {
  const found = await deps.db.query<Row>(
    `SELECT * FROM list_digests WHERE list_id = $1::bigint AND period = $2`,
    [listId, period],
  );
  return found.rows[0] ? toIssue(found.rows[0]) : null;
}

/**
 * The period's issue, created on first call: the waiting posts (all of them for a threshold
 * digest, those added before the period ended otherwise) are taken in the same transaction that
 * numbers the issue, so two digests never share a post.
 */
export async function claimIssue(deps: ListDeps, listId: string, period: string): Promise<IssueRow> {
  const parsed = parsePeriod(period);
  if (!parsed) throw new Error(`not a digest period: ${period}`);
  const before = parsed.kind === 'threshold' ? null : periodEnd(parsed);
  return deps.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO list_digest_settings (list_id) VALUES ($1::bigint) ON CONFLICT (list_id) DO NOTHING`,
      [listId],
    );
    const settings = await tx.query<{ volume: number; last_issue: number }>(
      `SELECT volume, last_issue FROM list_digest_settings WHERE list_id = $1::bigint FOR UPDATE`,
      [listId],
    );
    const existing = await tx.query<Row>(
      `SELECT * FROM list_digests WHERE list_id = $1::bigint AND period = $2`,
      [listId, period],
    );
    if (existing.rows[0]) return toIssue(existing.rows[0]);
    const taken = await tx.query(
      `UPDATE list_digest_items SET digest_period = $2
       WHERE list_id = $1::bigint AND digest_period IS NULL AND ($3::timestamptz IS NULL OR added_at < $3)
       RETURNING id`,
      [listId, period, before],
    );
    const empty = taken.rows.length === 0;
    const { volume, last_issue } = settings.rows[0];
    const issue = empty ? Number(last_issue) : Number(last_issue) + 1;
    if (!empty)
      await tx.query(`UPDATE list_digest_settings SET last_issue = $2 WHERE list_id = $1::bigint`, [
        listId,
        issue,
      ]);
    const row = await tx.query<Row>(
      `INSERT INTO list_digests (list_id, period, volume, issue, built_at, state)
       VALUES ($1::bigint, $2, $3, $4, $5, $6) RETURNING *`,
      [listId, period, volume, issue, deps.now(), empty ? 'empty' : 'building'],
    );
    return toIssue(row.rows[0]);
  });
}

/**
 * Builds both forms from the issue's posts, stores them, and moves the issue to 'sending' in the
 * transaction that hands the posts' references over to the digest blobs.
 */
export async function buildIssue(
  deps: ListDeps,
  list: DigestList,
  period: string,
  row: IssueRow,
): Promise<IssueRow> {
  const items = await deps.db.query<{ id: string; blob_key: string }>(
    `SELECT id, blob_key FROM list_digest_items WHERE list_id = $1::bigint AND digest_period = $2 ORDER BY id`,
    [list.id, period],
  );
  const posts = [];
  for (const item of items.rows) posts.push(summarisePost(await deps.blobs.get(item.blob_key)));
  const issue = {
    listId: list.id,
    listName: list.name,
    listAddress: list.address,
    period,
    volume: row.volume,
    issue: row.issue,
    date: row.builtAt,
  };
  const mime = buildMimeDigest(issue, posts);
  const plain = buildPlainDigest(issue, posts);
  const mimeBlob = await deps.blobs.put(mime);
  const plainBlob = await deps.blobs.put(plain);
  const updated = await deps.db.transaction(async (tx) => {
    // The issue holds one reference on each form until it is sent (taken first: the row points at them).
    await acquireBlob(tx, mimeBlob.key, mimeBlob.size);
    await acquireBlob(tx, plainBlob.key, plainBlob.size);
    const moved = await tx.query<Row>(
      `UPDATE list_digests SET state = 'sending', mime_blob = $3, mime_size = $4, plain_blob = $5, plain_size = $6
       WHERE list_id = $1::bigint AND period = $2 AND state = 'building' RETURNING *`,
      [list.id, period, mimeBlob.key, mimeBlob.size, plainBlob.key, plainBlob.size],
    );
    if (moved.rows.length === 0) {
      await releaseBlobs(
        tx,
        [mimeBlob.key, plainBlob.key].map((key) => ({ key, count: 1 })),
      );
      return null;
    }
    const gone = await tx.query<{ blob_key: string }>(
      `DELETE FROM list_digest_items WHERE list_id = $1::bigint AND digest_period = $2 RETURNING blob_key`,
      [list.id, period],
    );
    await releaseBlobs(
      tx,
      gone.rows.map((r) => ({ key: r.blob_key, count: 1 })),
    );
    return toIssue(moved.rows[0]);
  });
  await ensureStored(deps.blobs, mimeBlob.key, mime);
  await ensureStored(deps.blobs, plainBlob.key, plain);
  return updated ?? (await readIssue(deps, list.id, period))!;
}

/** Done: the issue lets go of its two blobs (the copies hold their own references). */
export async function finishIssue(deps: ListDeps, listId: string, period: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const done = await tx.query<{ mime_blob: string | null; plain_blob: string | null }>(
      `UPDATE list_digests SET state = 'sent' WHERE list_id = $1::bigint AND period = $2 AND state = 'sending'
       RETURNING mime_blob, plain_blob`,
      [listId, period],
    );
    const row = done.rows[0];
    if (!row) return;
    const keys = [row.mime_blob, row.plain_blob].filter((k): k is string => k !== null);
    await releaseBlobs(
      tx,
      keys.map((key) => ({ key, count: 1 })),
    );
  });
}
