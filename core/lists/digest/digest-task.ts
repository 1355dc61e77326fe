/**
 * The spool task `{ kind: 'digest', listId, period }`, run by the delivery role: not due yet →
 * DigestNotDueError (the job goes back with retryLater); otherwise claim the issue, build it,
 * send one copy per digest member, mark it sent, and schedule the next period while posts wait.
 */
import type { LeasedJob } from '../../ports/spool';
import type { ListDeps } from '../deps';
import { buildIssue, claimIssue, finishIssue } from './digest-issue';
import { loadDigestList } from './digest-lists';
import { sendIssue } from './digest-send';
import { parsePeriod, periodOf } from './period';
import { DigestNotDueError, scheduleDigest, secondsUntilDue } from './schedule';

export async function runDigestTask(
  deps: ListDeps,
  task: { kind: 'digest'; listId: string; period: string },
): Promise<void> {
  if (!parsePeriod(task.period)) return; // a malformed job can never become due: dropped
  const wait = secondsUntilDue(task.period, deps.now());
  if (wait > 0) throw new DigestNotDueError(wait);
  const list = await loadDigestList(deps.db, task.listId);
  if (!list) return; // the list was removed
  let issue = await claimIssue(deps, list.id, task.period);
  if (issue.state === 'building') issue = await buildIssue(deps, list, task.period, issue);
  if (issue.state === 'sending') {
    await sendIssue(deps, list, task.period, issue);
    await finishIssue(deps, list.id, task.period);
  }
  // A post whose own scheduling was lost (a crash after it was collected) is picked up here.
  const waiting = await deps.db.query(
    `SELECT 1 FROM list_digest_items WHERE list_id = $1::bigint AND digest_period IS NULL LIMIT 1`,
    [list.id],
  );
  // The period now running is the next one (this one has ended); idempotent like every schedule.
  if (waiting.rows.length > 0) await scheduleDigest(deps, list.id, periodOf(list.frequency, deps.now()));
}

/**
 * The whole job for the delivery worker: run, then ack; early → back in the queue until due.
 * Other errors propagate (the worker's retry policy applies; every step is re-runnable).
 */
export async function handleDigestJob(deps: ListDeps, job: LeasedJob): Promise<void> {
  const task = job.payload.list;
  if (task?.kind !== 'digest') throw new Error('not a digest job');
  try {
    await runDigestTask(deps, task);
  } catch (error) {
    if (error instanceof DigestNotDueError) {
      await deps.spool.retryLater(job, error.retryAfterSeconds, error.message);
      return;
    }
    throw error;
  }
  await deps.spool.ack(job);
}
