import { findHeaderEnd, parseMessageStructure } from '../mime';
import type { BlobStore } from '../ports/blob-store';
import type { MailboxEvents } from '../ports/events';
import type { LeasedJob, Spool } from '../ports/spool';
import type { SqlDatabase, SqlExecutor } from '../ports/sql';
import { deliveryFolder } from '../security/control-headers';
import { spoolStoresIn } from './accept-batch';
import { settleBatch } from './batch-settle';
import { mayCarryItip, type ImipReceiver } from '../pim/scheduling/imip-hook';
import type { VacationResponder } from './vacation-responder';

/**
 * The common case in one go: a batch of spool jobs whose recipients are all plain local accounts.
 * Set-based SQL (a handful of statements per batch instead of a dozen per message) is what makes
 * throughput independent of per-statement latency — which on embedded PGlite is most of the cost.
 * The guarantees are those of LocalDelivery: one transaction assigns UIDs/MODSEQs under the
 * mailbox row locks, deliveries are deduplicated on (queue id, recipient), and the jobs are acked
 * in the same commit (SQL spool) or right after it (SQS).
 * Jobs that need more (aliases, forwarding accounts, catch-all, quota trouble) go to the slow path.
 */
export class BatchDelivery {
  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobStore,
    private readonly spool: Spool,
    private readonly events: MailboxEvents,
    private readonly vacation?: VacationResponder,
    private readonly imip?: ImipReceiver,
  ) {}

  /** Delivers what it can; returns the jobs left for the per-job path. */
  async deliver(jobs: LeasedJob[]): Promise<{ delivered: LeasedJob[]; rest: LeasedJob[] }> {
    // UIDs follow arrival: a lease (UPDATE … RETURNING, or SQS) hands jobs back in any order.
    const pending = [...jobs].sort(byArrival).map((job) => {
      const done = new Set((job.payload.done ?? []).map((address) => address.toLowerCase()));
      return {
        job,
        recipients: job.payload.recipients.map((r) => r.address.toLowerCase()).filter((a) => !done.has(a)),
      };
    });
    const addresses = [...new Set(pending.flatMap((p) => p.recipients))];
    const accounts = await this.lookupAccounts(addresses);
    const simple = pending.filter(
      (p) => p.recipients.length > 0 && p.recipients.every((a) => accounts.has(a)),
    );
    const rest = jobs.filter((job) => !simple.some((p) => p.job === job));
    if (simple.length === 0) return { delivered: [], rest };

    const items: DeliveryItem[] = [];
    // Security policy: a message the MX filed elsewhere (X-Nimbus-Folder: Junk) takes the per-job path.
    const filed: LeasedJob[] = [];
    for (const { job, recipients } of simple) {
      const body = await this.blobs.get(job.payload.blobKey);
      if (deliveryFolder(body)) {
        filed.push(job);
        continue;
      }
      for (const address of new Set(recipients.map((a) => accounts.get(a)!.address))) {
        const account = [...accounts.values()].find((a) => a.address === address)!;
        const prefix = Buffer.from(
          `Return-Path: <${job.payload.mailFrom}>\r\nDelivered-To: ${address}\r\n`,
          'utf8',
        );
        items.push({
          job,
          account,
          prefix,
          structure: JSON.stringify(parseMessageStructure(Buffer.concat([prefix, body]))),
          size: prefix.length + job.payload.size,
          // A copy of the header only (for the vacation responder): the batch need not hold the bodies.
          header: Buffer.from(body.subarray(0, findHeaderEnd(body, 0, body.length))),
          // The byte scan runs on the body we hold now; only these few are read again after the
          // commit (the header alone can't tell: an invitation is usually multipart/alternative).
          itip: this.imip !== undefined && mayCarryItip(body),
        });
      }
    }

    // With the SQL spool the jobs are acked in the delivering commit; otherwise after it.
    const ackInCommit = spoolStoresIn(this.spool, this.db);
    const { outcome, delivered } = await this.db.transaction(async (tx) => {
      const stored = await this.store(tx, items);
      const overQuotaJobs = new Set(stored.overQuota.map((item) => item.job));
      const done = simple.map((p) => p.job).filter((job) => !overQuotaJobs.has(job) && !filed.includes(job));
      await settleBatch(
        tx,
        stored.stored.map((item) => ({
          blobKey: item.job.payload.blobKey,
          blobSize: item.job.payload.size,
          accountId: item.account.id,
          bytes: item.size,
        })),
        done,
        { ack: ackInCommit },
      );
      return { outcome: stored, delivered: done };
    });
    if (!ackInCommit && delivered.length > 0) await this.spool.ackMany(delivered);
    const overQuotaJobs = new Set(outcome.overQuota.map((item) => item.job));
    for (const change of outcome.changes) await this.events.publish(change);
    const mayReply = outcome.stored.filter((item) => outcome.away.has(item.account.id));
    if (mayReply.length > 0)
      await this.vacation?.afterDeliveries(
        mayReply.map((item) => ({
          account: item.account,
          recipient: item.account.address,
          mailFrom: item.job.payload.mailFrom,
          body: item.header,
        })),
      );
    await this.applyImip(outcome.stored.filter((item) => item.itip));
    return { delivered, rest: [...rest, ...overQuotaJobs, ...filed] };
  }

  /**
   * Incoming iMIP (RFC 6047) after the commit, as LocalDelivery does: best effort, one message
   * at a time (a REQUEST before the REPLY that answers it), the body re-read from the blob store.
   */
  private async applyImip(items: DeliveryItem[]): Promise<void> {
    if (!this.imip) return;
    for (const item of items) {
      try {
        const message = await this.blobs.get(item.job.payload.blobKey);
        await this.imip.afterDelivery({ account: item.account, message });
      } catch {
        // The mail is delivered; the calendar side is best effort (see ImipReceiver).
      }
    }
  }

  private async lookupAccounts(addresses: string[]): Promise<Map<string, AccountInfo>> {
    if (addresses.length === 0) return new Map();
    const result = await this.db.query<AccountInfo & { key: string }>(
      `SELECT r.key, a.id, a.address FROM unnest($1::text[]) AS r(key)
       JOIN accounts a ON a.address = r.key AND NOT a.disabled
       WHERE NOT EXISTS (SELECT 1 FROM account_forwards f WHERE f.account_id = a.id)`,
      [addresses],
    );
    return new Map(result.rows.map((row) => [row.key, { id: Number(row.id), address: row.address }]));
  }

  private async store(tx: SqlExecutor, items: DeliveryItem[]): Promise<StoreOutcome> {
    // 1. Dedupe: a job delivered before (crash after commit, before ack) is skipped per recipient.
    const fresh = await tx.query<{ queue_id: string; recipient: string }>(
      `INSERT INTO deliveries (queue_id, recipient)
       SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING RETURNING queue_id, recipient`,
      [items.map((i) => i.job.payload.queueId), items.map((i) => i.account.address)],
    );
    const freshKeys = new Set(fresh.rows.map((row) => `${row.queue_id} ${row.recipient}`));
    // One item per fresh key: an at-least-once queue (SQS) can put the same job twice in one batch.
    let todo = items.filter((i) => freshKeys.delete(`${i.job.payload.queueId} ${i.account.address}`));
    if (todo.length === 0) return { changes: [], overQuota: [], stored: [], away: new Set() };

    // 2. Lock the accounts (quota) and find their INBOXes, in id order to avoid deadlocks.
    const accountIds = [...new Set(todo.map((i) => i.account.id))].sort((a, b) => a - b);
    const locked = await tx.query<{
      id: number;
      quota_bytes: number | null;
      used_bytes: number;
      inbox: number;
      away: boolean;
    }>(
      // `away`: a vacation response may be due (VacationResponder reads it only for those accounts).
      `SELECT a.id, a.quota_bytes, a.used_bytes, m.id AS inbox,
              EXISTS (SELECT 1 FROM jmap_vacation v WHERE v.account_id = a.id AND v.is_enabled) AS away
       FROM accounts a JOIN mailboxes m ON m.account_id = a.id AND m.name = 'INBOX'
       WHERE a.id = ANY($1::bigint[]) ORDER BY a.id FOR UPDATE OF a`,
      [accountIds],
    );
    const state = new Map(
      locked.rows.map((row) => [Number(row.id), { ...row, used: Number(row.used_bytes) }]),
    );
    const overQuota: DeliveryItem[] = [];
    todo = todo.filter((item) => {
      const account = state.get(item.account.id);
      if (!account) return overQuota.push(item) && false;
      if (account.quota_bytes !== null && account.used + item.size > Number(account.quota_bytes)) {
        overQuota.push(item);
        return false;
      }
      account.used += item.size;
      return true;
    });
    if (overQuota.length > 0) {
      // Not delivered: forget the dedupe rows so the slow path (and its retries) can deliver later.
      await tx.query(
        `DELETE FROM deliveries d USING unnest($1::text[], $2::text[]) AS x(q, r)
         WHERE d.queue_id = x.q AND d.recipient = x.r`,
        [overQuota.map((i) => i.job.payload.queueId), overQuota.map((i) => i.account.address)],
      );
    }
    if (todo.length === 0) return { changes: [], overQuota, stored: [], away: new Set() };

    // 3. Allocate UIDs and MODSEQs per mailbox under its row lock.
    const perMailbox = new Map<number, DeliveryItem[]>();
    for (const item of todo) {
      const inbox = Number(state.get(item.account.id)!.inbox);
      perMailbox.set(inbox, [...(perMailbox.get(inbox) ?? []), item]);
    }
    const mailboxIds = [...perMailbox.keys()].sort((a, b) => a - b);
    const allocated = await tx.query<{
      id: number;
      first_uid: number;
      first_modseq: number;
      account_id: number;
    }>(
      `UPDATE mailboxes m SET uidnext = m.uidnext + c.n, highestmodseq = m.highestmodseq + c.n,
              message_count = m.message_count + c.n, unseen_count = m.unseen_count + c.n
       FROM unnest($1::bigint[], $2::int[]) AS c(id, n)
       WHERE m.id = c.id
       RETURNING m.id, m.uidnext - c.n AS first_uid, m.highestmodseq - c.n + 1 AS first_modseq, m.account_id`,
      [mailboxIds, mailboxIds.map((id) => perMailbox.get(id)!.length)],
    );
    const rows: { mailbox: number; uid: number; modseq: number; item: DeliveryItem }[] = [];
    const changes: StoreOutcome['changes'] = [];
    for (const row of allocated.rows) {
      const list = perMailbox.get(Number(row.id))!;
      list.forEach((item, index) =>
        rows.push({
          mailbox: Number(row.id),
          uid: Number(row.first_uid) + index,
          modseq: Number(row.first_modseq) + index,
          item,
        }),
      );
      changes.push({
        accountId: Number(row.account_id),
        mailboxId: Number(row.id),
        kind: 'append',
        uid: Number(row.first_uid) + list.length - 1,
        modseq: Number(row.first_modseq) + list.length - 1,
      });
    }

    // 4. The messages.
    await tx.query(
      `INSERT INTO messages (mailbox_id, uid, modseq, internal_date, size, blob_key, header_prefix, structure)
       SELECT m, u, s, d, z, k, p, j::jsonb
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::bigint[], $6::text[],
                   $7::bytea[], $8::text[]) AS x(m, u, s, d, z, k, p, j)`,
      [
        rows.map((r) => r.mailbox),
        rows.map((r) => r.uid),
        rows.map((r) => r.modseq),
        rows.map((r) => new Date(r.item.job.payload.receivedAt)),
        rows.map((r) => r.item.size),
        rows.map((r) => r.item.job.payload.blobKey),
        rows.map((r) => r.item.prefix),
        rows.map((r) => r.item.structure),
      ],
    );
    // 5. Blob references, usage, spool references and acks: settleBatch, in this transaction.
    const away = new Set(locked.rows.filter((row) => row.away).map((row) => Number(row.id)));
    return { changes, overQuota, stored: todo, away };
  }
}

function byArrival(a: LeasedJob, b: LeasedJob): number {
  const at = a.payload.receivedAt.localeCompare(b.payload.receivedAt);
  return at !== 0 ? at : a.payload.queueId.localeCompare(b.payload.queueId);
}

interface AccountInfo {
  id: number;
  address: string;
}

interface DeliveryItem {
  job: LeasedJob;
  account: AccountInfo;
  prefix: Buffer;
  structure: string;
  size: number;
  header: Buffer;
  /** Whether the message may carry an iTIP part (text/calendar somewhere in it). */
  itip: boolean;
}

interface StoreOutcome {
  changes: { accountId: number; mailboxId: number; kind: 'append'; uid: number; modseq: number }[];
  overQuota: DeliveryItem[];
  /** Items stored by this transaction (not duplicates, not over quota). */
  stored: DeliveryItem[];
  /** Accounts with an enabled vacation response. */
  away: Set<number>;
}
