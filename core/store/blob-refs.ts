import type { BlobStore } from '../ports/blob-store';
import type { SqlExecutor } from '../ports/sql';

/**
 * Reference counts of content-addressed blobs. A blob is deleted only by the collector, only when
 * its count is 0 and has been for a grace period, and only while holding the row lock; writers
 * re-check existence after their reference commits (see ensureStored), which closes the race.
 */
export async function acquireBlob(tx: SqlExecutor, key: string, size: number, count = 1): Promise<void> {
  await tx.query(
    `INSERT INTO blobs (key, size, refcount) VALUES ($1, $2, $3)
     ON CONFLICT (key) DO UPDATE SET refcount = blobs.refcount + $3, updated_at = now()`,
    [key, size, count],
  );
}

/** Takes references on several blobs in one statement (counts per key must be aggregated). */
export async function acquireBlobs(
  tx: SqlExecutor,
  refs: { key: string; size: number; count: number }[],
): Promise<void> {
  if (refs.length === 0) return;
  await tx.query(
    `INSERT INTO blobs (key, size, refcount) SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[])
     ON CONFLICT (key) DO UPDATE SET refcount = blobs.refcount + EXCLUDED.refcount, updated_at = now()`,
    [refs.map((r) => r.key), refs.map((r) => r.size), refs.map((r) => r.count)],
  );
}

/** One more reference on the blob of each message `uids` of `mailboxId` (a copy, or a held expunge). */
export async function acquireMessageBlobs(tx: SqlExecutor, mailboxId: number, uids: number[]): Promise<void> {
  if (uids.length === 0) return;
  await tx.query(
    `UPDATE blobs b SET refcount = b.refcount + x.n, updated_at = now()
     FROM (SELECT blob_key, count(*)::int AS n FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[])
           GROUP BY blob_key) x
     WHERE b.key = x.blob_key`,
    [mailboxId, `{${uids.join(',')}}`],
  );
}

export async function releaseBlobs(tx: SqlExecutor, refs: { key: string; count: number }[]): Promise<void> {
  if (refs.length === 0) return;
  await tx.query(
    `UPDATE blobs b SET refcount = b.refcount - r.n, updated_at = now()
     FROM unnest($1::text[], $2::int[]) AS r(key, n) WHERE b.key = r.key`,
    [refs.map((r) => r.key), refs.map((r) => r.count)],
  );
}

export async function releaseBlob(tx: SqlExecutor, key: string, count = 1): Promise<void> {
  await tx.query(`UPDATE blobs SET refcount = refcount - $2, updated_at = now() WHERE key = $1`, [
    key,
    count,
  ]);
}

/**
 * After a reference is committed, the collector can no longer remove the blob; but it may have
 * removed the file between our write and our commit. Write it again in that case.
 */
export async function ensureStored(store: BlobStore, key: string, data: Buffer): Promise<void> {
  if (!(await store.exists(key))) await store.put(data);
}

/** Deletes blobs unreferenced for longer than `graceSeconds`. Returns how many were removed. */
export async function collectGarbage(
  db: SqlExecutor,
  store: BlobStore,
  options: { graceSeconds: number; batch?: number },
): Promise<number> {
  const candidates = await db.query<{ key: string }>(
    `SELECT key FROM blobs WHERE refcount <= 0 AND updated_at < now() - make_interval(secs => $1) LIMIT $2`,
    [options.graceSeconds, options.batch ?? 500],
  );
  let removed = 0;
  for (const { key } of candidates.rows) {
    const deleted = await db.transaction(async (tx) => {
      const row = await tx.query(
        `DELETE FROM blobs WHERE key = $1 AND refcount <= 0 AND updated_at < now() - make_interval(secs => $2)
         RETURNING key`,
        [key, options.graceSeconds],
      );
      if (row.rows.length === 0) return false;
      await store.delete(key);
      return true;
    });
    if (deleted) removed++;
  }
  return removed;
}
