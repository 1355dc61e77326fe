/**
 * Sends an issue: one copy per digest member, page by page (keyset on member id, the cursor kept
 * in list_digests), never a transaction across pages nor a whole list in memory. Per page: the
 * copies' blob references first (a crash after them leaks a count, never frees a blob in use),
 * then the jobs (deterministic ids, idempotent enqueue), then the cursor. A page replayed after a
 * crash re-enqueues ids that exist already; a digest marked sent is never sent again.
 */
import type { QueueName, SpoolPayload } from '../../ports/spool';
import { acquireBlobs } from '../../store/blob-refs';
import type { ListDeps } from '../deps';
import { encodeVerp } from '../verp';
import { digestMembersPage, type DigestList, type DigestMember } from './digest-lists';
import type { IssueRow } from './digest-issue';
import { digestJobId } from './schedule';

async function queueFor(deps: ListDeps, address: string, cache: Map<string, QueueName>): Promise<QueueName> {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  let queue = cache.get(domain);
  if (!queue) {
    queue = (await deps.directory.isLocalDomain(domain)) ? 'inbound' : 'outbound';
    cache.set(domain, queue);
  }
  return queue;
}

export async function sendIssue(
  deps: ListDeps,
  list: DigestList,
  period: string,
  issue: IssueRow,
): Promise<number> {
  const pageSize = Math.max(1, deps.settings.fanoutPageSize);
  const domains = new Map<string, QueueName>();
  let cursor = issue.cursor ?? '0';
  let sent = issue.sentCount;
  for (;;) {
    const members = await digestMembersPage(deps.db, list.id, cursor, pageSize);
    if (members.length === 0) return sent;
    const receivedAt = deps.now().toISOString();
    const jobs = new Map<QueueName, { id: string; payload: SpoolPayload }[]>();
    const counts = { mime: 0, plain: 0 };
    for (const member of members) {
      const payload = copyPayload(list, period, issue, member, receivedAt);
      counts[member.format]++;
      const queue = await queueFor(deps, member.address, domains);
      jobs.set(queue, [...(jobs.get(queue) ?? []), { id: payload.queueId, payload }]);
    }
    await deps.db.transaction((tx) =>
      acquireBlobs(
        tx,
        [
          { key: issue.mimeBlob!, size: issue.mimeSize, count: counts.mime },
          { key: issue.plainBlob!, size: issue.plainSize, count: counts.plain },
        ].filter((r) => r.count > 0),
      ),
    );
    for (const [queue, batch] of jobs) await deps.spool.enqueueMany(queue, batch);
    cursor = members[members.length - 1].id;
    sent += members.length;
    await deps.db.query(
      `UPDATE list_digests SET cursor = $3, sent_count = $4 WHERE list_id = $1::bigint AND period = $2`,
      [list.id, period, cursor, sent],
    );
  }
}

function copyPayload(
  list: DigestList,
  period: string,
  issue: IssueRow,
  member: DigestMember,
  receivedAt: string,
): SpoolPayload {
  const id = `${digestJobId(list.id, period)}:${member.id}`;
  const plain = member.format === 'plain';
  return {
    queueId: id,
    blobKey: plain ? issue.plainBlob! : issue.mimeBlob!,
    size: plain ? issue.plainSize : issue.mimeSize,
    // VERP like the posts: a bounce of the digest names the member (core/lists/verp.ts).
    mailFrom: encodeVerp(list.address, member.address),
    recipients: [{ address: member.address }],
    receivedAt,
  };
}
