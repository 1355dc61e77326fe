import type { BlobStore } from '../ports/blob-store';
import type { QueueName, Spool, SpoolPayload } from '../ports/spool';
import type { SqlDatabase, SqlExecutor } from '../ports/sql';
import { ensureStored } from '../store/blob-refs';

export interface AcceptedBlob {
  key: string;
  size: number;
  data: Buffer;
}

/** Whether the spool keeps its jobs in `db`'s spool_jobs table (SqlSpool.storesIn). */
export function spoolStoresIn(spool: Spool, db: SqlExecutor): boolean {
  const sql = spool as Spool & { storesIn?: (db: SqlExecutor) => boolean };
  return typeof sql.storesIn === 'function' && sql.storesIn(db);
}

/**
 * One commit for a batch of accepted messages when the spool is the SQL spool in the same
 * database: the blob references and the spool jobs are written by one statement in one transaction.
 * Either both are durable or neither is (a rollback gives the references back by itself).
 * The files are checked while the transaction holds the blob rows' locks: the collector deletes a
 * file only under that lock, so a file found here stays until the commit makes its reference count.
 */
export async function commitAcceptBatch(
  db: SqlDatabase,
  blobs: BlobStore,
  queue: QueueName,
  batch: { blob: AcceptedBlob; payload: SpoolPayload }[],
): Promise<void> {
  const refs = new Map<string, { size: number; count: number; data: Buffer }>();
  for (const { blob } of batch) {
    const ref = refs.get(blob.key) ?? { size: blob.size, count: 0, data: blob.data };
    ref.count++;
    refs.set(blob.key, ref);
  }
  await db.transaction(async (tx) => {
    await insertRefsAndJobs(tx, queue, refs, batch);
    await Promise.all([...refs].map(([key, ref]) => ensureStored(blobs, key, ref.data)));
  });
}

async function insertRefsAndJobs(
  tx: SqlExecutor,
  queue: QueueName,
  refs: Map<string, { size: number; count: number }>,
  batch: { payload: SpoolPayload }[],
): Promise<void> {
  // Same rows as acquireBlobs (core/store/blob-refs.ts) and SqlSpool.enqueueMany, in one round trip
  // (PostgreSQL runs a data-modifying WITH to completion whether or not the main query reads it).
  await tx.query(
    `WITH refs AS (
       INSERT INTO blobs (key, size, refcount) SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[])
       ON CONFLICT (key) DO UPDATE SET refcount = blobs.refcount + EXCLUDED.refcount, updated_at = now())
     INSERT INTO spool_jobs (id, queue, state, payload, visible_at)
     SELECT id, $4, 'ready', payload::jsonb, now() FROM unnest($5::text[], $6::text[]) AS j(id, payload)
     ON CONFLICT (id) DO NOTHING`,
    [
      [...refs.keys()],
      [...refs.values()].map((r) => r.size),
      [...refs.values()].map((r) => r.count),
      queue,
      batch.map((p) => p.payload.queueId),
      batch.map((p) => JSON.stringify(p.payload)),
    ],
  );
}

/**
 * After a failed batch: gives back the references of jobs that exist all the same (a commit whose
 * reply was lost, an SQS batch that failed part-way), through the once-per-queue-id record that
 * delivery uses, so a job delivered later does not release again. With `onlyQueued`, jobs that are
 * not in the SQL spool took no reference (their transaction rolled back) and are left alone.
 */
export async function giveBackReferences(
  db: SqlExecutor,
  jobs: { queueId: string; blobKey: string }[],
  options: { onlyQueued: boolean },
): Promise<void> {
  await db.query(
    `WITH released AS (
       INSERT INTO deliveries (queue_id, recipient)
       SELECT q, '#spool-reference' FROM unnest($1::text[]) AS q
       WHERE NOT $3::boolean OR EXISTS (SELECT 1 FROM spool_jobs s WHERE s.id = q)
       ON CONFLICT DO NOTHING RETURNING queue_id),
     counts AS (
       SELECT x.k AS key, count(*)::int AS n FROM unnest($1::text[], $2::text[]) AS x(q, k)
       JOIN released r ON r.queue_id = x.q GROUP BY x.k)
     UPDATE blobs b SET refcount = b.refcount - c.n, updated_at = now() FROM counts c WHERE b.key = c.key`,
    [jobs.map((j) => j.queueId), jobs.map((j) => j.blobKey), options.onlyQueued],
  );
}
