import { findHeaderEnd, parseMessageStructure } from '../mime';
import type { BlobStore } from '../ports/blob-store';
import type { MailboxEvents } from '../ports/events';
import type { LeasedJob, Spool } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import { deliveryFolder } from '../security/control-headers';
import { spoolStoresIn } from './accept-batch';
import { storeBatch, type ItemOutcome } from './batch-store';
import { mayCarryItip, type ImipReceiver } from '../pim/scheduling/imip-hook';
import type { VacationResponder } from './vacation-responder';
import { needsSieveSql } from '../sieve/delivery/executor';

/**
 * The common case in one go: a batch of spool jobs whose recipients are all plain local accounts.
 * Set-based SQL (a handful of statements per batch instead of a dozen per message) is what makes
 * throughput independent of per-statement latency — which on embedded PGlite is most of the cost.
 * The guarantees are those of LocalDelivery: one statement (deliver_batch, core/delivery/batch-store.ts)
 * assigns UIDs/MODSEQs under the mailbox row locks, deliveries are deduplicated on (queue id,
 * recipient), and the jobs are acked in the same commit (SQL spool) or right after it (SQS).
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

    // With the SQL spool the jobs are acked in the delivering statement; otherwise after it.
    const ackInCommit = spoolStoresIn(this.spool, this.db);
    const finishable = simple.map((p) => p.job).filter((job) => !filed.includes(job));
    const outcome = changesOf(items, await storeBatch(this.db, items, finishable, { ack: ackInCommit }));
    const overQuotaJobs = new Set(outcome.overQuota.map((item) => item.job));
    const delivered = finishable.filter((job) => !overQuotaJobs.has(job));
    if (!ackInCommit && delivered.length > 0) await this.spool.ackMany(delivered);
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
       WHERE NOT ${needsSieveSql('a')}`,
      [addresses],
    );
    return new Map(result.rows.map((row) => [row.key, { id: Number(row.id), address: row.address }]));
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

/** Per mailbox, one append event for the last UID the batch stored in it. */
function changesOf(items: DeliveryItem[], outcomes: ItemOutcome[]): StoreOutcome {
  const last = new Map<number, StoreOutcome['changes'][number]>();
  const result: StoreOutcome = { changes: [], overQuota: [], stored: [], away: new Set() };
  outcomes.forEach((o, index) => {
    const item = items[index];
    if (o.kind === 'over') result.overQuota.push(item);
    if (o.kind !== 'stored') return;
    result.stored.push(item);
    if (o.away) result.away.add(item.account.id);
    const previous = last.get(o.mailboxId);
    if (!previous || previous.uid < o.uid)
      last.set(o.mailboxId, {
        accountId: item.account.id,
        mailboxId: o.mailboxId,
        kind: 'append',
        uid: o.uid,
        modseq: o.modseq,
      });
  });
  result.changes = [...last.values()];
  return result;
}

interface StoreOutcome {
  changes: { accountId: number; mailboxId: number; kind: 'append'; uid: number; modseq: number }[];
  overQuota: DeliveryItem[];
  /** Items stored by this transaction (not duplicates, not over quota). */
  stored: DeliveryItem[];
  /** Accounts with an enabled vacation response. */
  away: Set<number>;
}
