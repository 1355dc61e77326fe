/**
 * Collecting accepted posts for the list's digest members: the post's blob gets one reference
 * held by its list_digest_items row until a digest has taken it. Called by the post distributor
 * for every accepted post (idempotent: the same post twice is one item).
 */
import { acquireBlob, ensureStored, releaseBlob } from '../../store/blob-refs';
import type { ListDeps } from '../deps';
import { loadDigestList } from './digest-lists';
import { formatPeriod, periodOf } from './period';
import { scheduleDigest } from './schedule';

export async function addToDigest(
  deps: ListDeps,
  list: { id: string },
  message: Buffer,
): Promise<{ added: boolean }> {
  const digest = await loadDigestList(deps.db, list.id);
  if (!digest) return { added: false };
  const members = await deps.db.query(
    `SELECT 1 FROM list_members WHERE list_id = $1::bigint AND delivery_mode = 'digest'
       AND disabled_reason IS NULL LIMIT 1`,
    [list.id],
  );
  if (members.rows.length === 0) return { added: false };
  const blob = await deps.blobs.put(message);
  const now = deps.now();
  const added = await deps.db.transaction(async (tx) => {
    // The reference first (it creates the blobs row the item points at); given back if a duplicate.
    await acquireBlob(tx, blob.key, blob.size);
    const row = await tx.query(
      `INSERT INTO list_digest_items (list_id, blob_key, size, added_at) VALUES ($1::bigint, $2, $3, $4)
       ON CONFLICT (list_id, blob_key) DO NOTHING RETURNING id`,
      [list.id, blob.key, blob.size, now],
    );
    if (row.rows.length === 0) await releaseBlob(tx, blob.key);
    return row.rows.length > 0;
  });
  await ensureStored(deps.blobs, blob.key, message);
  // The period's job exists as soon as a post waits for it (idempotent on its id).
  await scheduleDigest(deps, list.id, periodOf(digest.frequency, now));
  if (digest.maxPosts > 0 || digest.maxBytes > 0) {
    const pending = await deps.db.query<{ n: number; bytes: string; first: string }>(
      `SELECT count(*)::int AS n, COALESCE(sum(size), 0)::bigint AS bytes, min(id) AS first
       FROM list_digest_items WHERE list_id = $1::bigint AND digest_period IS NULL`,
      [list.id],
    );
    const { n, bytes, first } = pending.rows[0];
    const full =
      (digest.maxPosts > 0 && n >= digest.maxPosts) ||
      (digest.maxBytes > 0 && Number(bytes) >= digest.maxBytes);
    // Named after the first waiting post: nodes adding posts at once schedule the same job.
    if (full && first)
      await scheduleDigest(deps, list.id, formatPeriod({ kind: 'threshold', firstItem: Number(first) }));
  }
  return { added };
}
