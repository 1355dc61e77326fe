import type { LeasedJob } from '../ports/spool';
import type { SqlExecutor } from '../ports/sql';

/** One stored copy: its blob gains a reference, its account the bytes. */
export interface StoredCopy {
  blobKey: string;
  blobSize: number;
  accountId: number;
  bytes: number;
}

/**
 * The end of a delivery batch, in the batch's transaction and one statement: the copies' blob
 * references and account usage, the release of each delivered job's spool reference (once per
 * queue id, recorded in deliveries as before, so a job run twice releases once; the net change per
 * blob is one upsert), and, when the spool is the SQL spool, the ack: a job is deleted in the same
 * commit that delivered it, so nothing can deliver it again after a crash in between.
 */
export async function settleBatch(
  tx: SqlExecutor,
  copies: StoredCopy[],
  delivered: LeasedJob[],
  options: { ack: boolean },
): Promise<void> {
  const refs = new Map<string, { size: number; count: number }>();
  for (const copy of copies) {
    const ref = refs.get(copy.blobKey) ?? { size: copy.blobSize, count: 0 };
    ref.count++;
    refs.set(copy.blobKey, ref);
  }
  const usage = new Map<number, number>();
  for (const copy of copies) usage.set(copy.accountId, (usage.get(copy.accountId) ?? 0) + copy.bytes);
  // The same job twice in a batch (SQS duplicate) releases its reference once.
  const unique = [...new Map(delivered.map((job) => [job.payload.queueId, job] as const)).values()];
  const acked = options.ack ? delivered : [];
  await tx.query(
    `WITH released AS (
       INSERT INTO deliveries (queue_id, recipient)
       SELECT q, '#spool-reference' FROM unnest($1::text[]) AS q ON CONFLICT DO NOTHING RETURNING queue_id),
     delta AS (
       SELECT d.k AS key, max(d.z) AS size, sum(d.n)::int AS n FROM (
         SELECT c.k, c.z, c.n FROM unnest($2::text[], $3::bigint[], $4::int[]) AS c(k, z, n)
         UNION ALL
         SELECT x.k, x.z, -1 FROM unnest($1::text[], $5::text[], $6::bigint[]) AS x(q, k, z)
         JOIN released r ON r.queue_id = x.q) d
       GROUP BY d.k),
     refs AS (
       INSERT INTO blobs (key, size, refcount)
       SELECT key, size, n FROM delta
       WHERE n > 0 OR EXISTS (SELECT 1 FROM blobs b WHERE b.key = delta.key)
       ON CONFLICT (key) DO UPDATE SET refcount = blobs.refcount + EXCLUDED.refcount, updated_at = now()),
     used AS (
       UPDATE accounts a SET used_bytes = a.used_bytes + u.bytes
       FROM unnest($7::bigint[], $8::bigint[]) AS u(id, bytes) WHERE a.id = u.id)
     DELETE FROM spool_jobs s USING unnest($9::text[], $10::text[]) AS x(id, token)
     WHERE s.id = x.id AND s.lease_owner = x.token`,
    [
      unique.map((job) => job.payload.queueId),
      [...refs.keys()],
      [...refs.values()].map((r) => r.size),
      [...refs.values()].map((r) => r.count),
      unique.map((job) => job.payload.blobKey),
      unique.map((job) => job.payload.size),
      [...usage.keys()],
      [...usage.values()],
      acked.map((job) => job.id),
      acked.map((job) => job.leaseToken),
    ],
  );
}
