/**
 * Digest scheduling by the spool: one job per list and period, id `digest:<listId>:<period>`,
 * delayed until the period ends. Enqueue is idempotent on the id, so every node may schedule the
 * same digest and exactly one job exists. Queues cap delays (SQS: 15 min), so a job that wakes
 * early is put back (DigestNotDueError → retryLater) until it is due.
 */
import type { ListDeps } from '../deps';
import type { SpoolPayload } from '../../ports/spool';
import { parsePeriod, periodEnd } from './period';

/** The longest delay any spool accepts (SQS DelaySeconds / ChangeMessageVisibility for a retry). */
export const MAX_DELAY_SECONDS = 900;

export class DigestNotDueError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`digest not due for ${retryAfterSeconds} s`);
  }
}

export const digestJobId = (listId: string, period: string): string => `digest:${listId}:${period}`;

/** Seconds until the period's digest is due (0: due), capped at MAX_DELAY_SECONDS. */
export function secondsUntilDue(period: string, now: Date): number {
  const parsed = parsePeriod(period);
  if (!parsed) return 0;
  const wait = Math.ceil((periodEnd(parsed).getTime() - now.getTime()) / 1000);
  return Math.max(0, Math.min(MAX_DELAY_SECONDS, wait));
}

export async function scheduleDigest(deps: ListDeps, listId: string, period: string): Promise<void> {
  if (!parsePeriod(period)) throw new Error(`not a digest period: ${period}`);
  const id = digestJobId(listId, period);
  const payload: SpoolPayload = {
    queueId: id,
    blobKey: '',
    size: 0,
    mailFrom: '',
    recipients: [],
    receivedAt: deps.now().toISOString(),
    list: { kind: 'digest', listId, period },
  };
  await deps.spool.enqueue('inbound', id, payload, { delaySeconds: secondsUntilDue(period, deps.now()) });
}
