import type { LeasedJob, QueueName, SpoolPayload } from '../../ports/spool';
import { finishJob } from '../../delivery/inbound-job';
import { acquireBlobs } from '../../store/blob-refs';
import type { ListDeps } from '../deps';
import { ListStore } from '../list-store';
import type { MailingList } from '../types';
import { encodeVerp } from '../verp';
import {
  deliverableMembers,
  dropProgress,
  readProgress,
  saveProgress,
  type FanoutMember,
} from './fanout-members';
import { memberCopy, oneClickUrl, splitBase, type SplitBase } from './personalize';
import type { DkimSigningKey } from '../../dkim/dkim-keys';

/** Lease kept while a fan-out runs, renewed after every page. */
const LEASE_SECONDS = 300;
/** Member copies built and stored at once inside a page (RSA signing and blob writes). */
const PARALLEL = 8;
/** Retry delay after a failed page (the cursor is kept: the retry resumes after the last page). */
const RETRY_SECONDS = 30;

interface FanoutContext {
  deps: ListDeps;
  list: MailingList;
  base: SplitBase;
  key: DkimSigningKey | null;
  queueId: string;
  /** Signing time and token issue time: the post's, so a replayed page builds the same bytes. */
  at: Date;
  localDomains: Map<string, boolean>;
}

/**
 * Runs a post's fan-out job (payload.list.kind === 'fanout'): pages through the list's
 * deliverable members by keyset, and for each page stores every member's copy (personalized
 * List-Unsubscribe, DKIM-signed) and enqueues one job per member: 'outbound' for remote members,
 * 'inbound' for members in our domains, envelope sender the member's VERP address. The cursor is
 * saved after each page in list_fanout_progress; no transaction spans pages and memory holds one
 * page. A crash replays at most one page, harmlessly: member job ids are `<queueId>.<memberId>`,
 * enqueue is idempotent on them and blob references are taken once per member job.
 * Acks the job when done; on a failure retries it later (resuming at the cursor).
 */
export async function runFanout(deps: ListDeps, job: LeasedJob): Promise<void> {
  const task = job.payload.list;
  if (!task || task.kind !== 'fanout') throw new Error(`job ${job.id} is not a list fan-out`);
  const queueId = job.payload.queueId;
  try {
    const list = await new ListStore(deps.db).getById(task.listId);
    if (list) {
      const ctx: FanoutContext = {
        deps,
        list,
        base: splitBase(await deps.blobs.get(task.postBlobKey)),
        key: await deps.dkimKey(list.domain),
        queueId,
        at: new Date(job.payload.receivedAt),
        localDomains: new Map(),
      };
      let { cursor, sent } = await readProgress(deps.db, queueId, list.id);
      const pageSize = Math.max(1, deps.settings.fanoutPageSize);
      for (;;) {
        const members = await deliverableMembers(deps.db, list.id, cursor, pageSize);
        if (members.length === 0) break;
        await enqueuePage(ctx, members);
        cursor = members[members.length - 1].id;
        sent += members.length;
        await saveProgress(deps.db, queueId, cursor, sent);
        if (members.length < pageSize) break;
        await deps.spool.extendLease(job, LEASE_SECONDS);
      }
    }
    // A deleted list: nothing to send; the job and its reference go.
    await finishJob(job, deps);
    await dropProgress(deps.db, queueId);
  } catch (error) {
    await deps.spool.retryLater(job, RETRY_SECONDS, `4.3.0 list fan-out: ${(error as Error).message}`);
  }
}

async function enqueuePage(ctx: FanoutContext, members: FanoutMember[]): Promise<void> {
  const { deps, list } = ctx;
  const jobs: Record<QueueName, { id: string; payload: SpoolPayload }[]> = { inbound: [], outbound: [] };
  const refs: { recipient: string; key: string; size: number }[] = [];
  for (let i = 0; i < members.length; i += PARALLEL) {
    await Promise.all(
      members.slice(i, i + PARALLEL).map(async (member) => {
        const url = oneClickUrl(deps.settings.webBase, deps.settings.tokenSecret, list.id, member.id, ctx.at);
        const copy = await memberCopy(ctx.base, list, url, ctx.key, ctx.at);
        const blob = await deps.blobs.put(copy);
        const id = `${ctx.queueId}.${member.id}`;
        const queue: QueueName = (await isLocal(ctx, member.address)) ? 'inbound' : 'outbound';
        jobs[queue].push({
          id,
          payload: {
            queueId: id,
            blobKey: blob.key,
            size: blob.size,
            mailFrom: encodeVerp(list.address, member.address),
            recipients: [{ address: member.address }],
            receivedAt: new Date().toISOString(),
          },
        });
        refs.push({ recipient: `member:${member.id}`, key: blob.key, size: blob.size });
      }),
    );
  }
  for (const queue of ['outbound', 'inbound'] as const) {
    if (jobs[queue].length > 0) await deps.spool.enqueueMany(queue, jobs[queue]);
  }
  // One reference per member job, taken once even when the page is replayed.
  await deps.db.transaction(async (tx) => {
    const fresh = await tx.query<{ recipient: string }>(
      `INSERT INTO deliveries (queue_id, recipient) SELECT $1, unnest($2::text[])
       ON CONFLICT DO NOTHING RETURNING recipient`,
      [ctx.queueId, refs.map((r) => r.recipient)],
    );
    const taken = new Set(fresh.rows.map((r) => r.recipient));
    const counts = new Map<string, { key: string; size: number; count: number }>();
    for (const r of refs) {
      if (!taken.has(r.recipient)) continue;
      const entry = counts.get(r.key) ?? { key: r.key, size: r.size, count: 0 };
      entry.count++;
      counts.set(r.key, entry);
    }
    await acquireBlobs(tx, [...counts.values()]);
  });
}

async function isLocal(ctx: FanoutContext, address: string): Promise<boolean> {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  let local = ctx.localDomains.get(domain);
  if (local === undefined) {
    local = await ctx.deps.directory.isLocalDomain(domain);
    ctx.localDomains.set(domain, local);
  }
  return local;
}
