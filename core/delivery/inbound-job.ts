import type { LeasedJob, Spool } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import { StorageUnavailableError } from '../ports/sql';
import { INBOUND_RETRY, isExpired, nextDelay, type RetryPolicy } from '../spool/retry-schedule';
import { releaseBlob } from '../store/blob-refs';
import type { LocalDelivery } from './local-delivery';

export type JobOutcome = 'delivered' | 'retry' | 'dead';

/**
 * One attempt at an inbound job: deliver what can be delivered, remember progress, then ack,
 * retry later (temporary failures), or park the job as dead (permanent failures, expiry).
 */
export async function processInboundJob(
  job: LeasedJob,
  deps: { db: SqlDatabase; spool: Spool; delivery: LocalDelivery; policy?: RetryPolicy },
): Promise<JobOutcome> {
  const policy = deps.policy ?? INBOUND_RETRY;
  let result;
  try {
    result = await deps.delivery.deliver(job.payload);
  } catch (error) {
    const reason =
      error instanceof StorageUnavailableError ? error.message : `4.3.0 ${(error as Error).message}`;
    await deps.spool.retryLater(job, nextDelay(policy, job.attempts), reason);
    return 'retry';
  }
  const payload = { ...job.payload, done: result.done };
  const temporary = result.failures.filter((failure) => !failure.permanent);
  const permanent = result.failures.filter((failure) => failure.permanent);
  if (result.failures.length === 0) {
    await finishJob(job, deps);
    return 'delivered';
  }
  const reason = result.failures.map((failure) => `${failure.recipient}: ${failure.reason}`).join('; ');
  if (temporary.length > 0 && !isExpired(policy, new Date(job.payload.receivedAt))) {
    await deps.spool.retryLater(job, nextDelay(policy, job.attempts), reason, payload);
    return 'retry';
  }
  // Permanent failures or expiry: the job stays visible as dead for the operator (and the bouncer).
  void permanent;
  await deps.spool.deadLetter(job, reason, payload);
  return 'dead';
}

/** Releases the spool's blob reference exactly once (even if this runs twice), then acks. */
export async function finishJob(job: LeasedJob, deps: { db: SqlDatabase; spool: Spool }): Promise<void> {
  await releaseSpoolReference(deps.db, job.payload.queueId, job.payload.blobKey);
  await deps.spool.ack(job);
}

export async function releaseSpoolReference(
  db: SqlDatabase,
  queueId: string,
  blobKey: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const fresh = await tx.query(
      `INSERT INTO deliveries (queue_id, recipient) VALUES ($1, '#spool-reference') ON CONFLICT DO NOTHING RETURNING 1`,
      [queueId],
    );
    if (fresh.rows.length > 0) await releaseBlob(tx, blobKey);
  });
}
