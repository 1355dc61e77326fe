/**
 * Carries out a Sieve delivery plan (core/sieve/delivery) for one account: the copies in their
 * folders with their flags, in one transaction with the (queue id, recipient) dedupe row and the
 * quota check, then, after the commit, the redirects, the rejection, the vacation reply and the
 * duplicate ids. A folder that is missing (without :create) means INBOX: mail is never lost.
 */
import { parseMessageStructure } from '../mime';
import type { Account } from '../directory/types';
import type { BlobStore } from '../ports/blob-store';
import type { MailboxEvents } from '../ports/events';
import type { SpoolPayload } from '../ports/spool';
import type { SqlDatabase, SqlExecutor } from '../ports/sql';
import { deliveryFolder } from '../security/control-headers';
import type { DeliveryPlan } from '../sieve/delivery/plan';
import { filterNotice, rejectionMessage } from '../sieve/delivery/messages';
import type { SieveDelivery } from '../sieve/delivery/executor';
import { acquireBlob } from '../store/blob-refs';
import type { MailboxRow, MailboxStore } from '../store/mailbox-store';
import type { RecipientFailure } from './recipient-failure';
import type { VacationResponder } from './vacation-responder';

export interface SieveApplyDeps {
  db: SqlDatabase;
  blobs: BlobStore;
  mailboxes: MailboxStore;
  events: MailboxEvents;
  sieve: SieveDelivery;
  vacation?: VacationResponder;
  /**
   * Sends a copy on for `recipient` (LocalDelivery: a local target through the inbound queue, a
   * remote one through the outbound queue with an SRS sender; idempotent per queue id and target).
   */
  redirect(payload: SpoolPayload, recipient: string, account: Account, target: string): Promise<void>;
}

/** Mailbox names a script may create: printable, no hierarchy tricks, bounded. */
const CREATABLE = /^[^\x00-\x1f\x7f*%]{1,200}$/u;

async function folderFor(
  deps: SieveApplyDeps,
  tx: SqlExecutor,
  accountId: number,
  name: string,
  create: boolean,
): Promise<MailboxRow | null> {
  const upper = name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
  const found = await deps.mailboxes.getMailbox(accountId, upper, tx);
  if (found || !create || !CREATABLE.test(name) || name.startsWith('/') || name.endsWith('/')) return found;
  await tx.query(`INSERT INTO mailboxes (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
    accountId,
    name,
  ]);
  return deps.mailboxes.getMailbox(accountId, name, tx);
}

/** Runs the plan; the same result contract as LocalDelivery.deliverToAccount. */
export async function applySievePlan(
  deps: SieveApplyDeps,
  payload: SpoolPayload,
  recipient: string,
  account: Account,
  body: Buffer,
  plan: DeliveryPlan,
): Promise<RecipientFailure | null> {
  const prefix = Buffer.from(
    `Return-Path: <${payload.mailFrom}>\r\nDelivered-To: ${account.address}\r\n`,
    'utf8',
  );
  // editheader: the edited message is a blob of its own; the original stays as the spool has it.
  const edited =
    plan.message !== body && !plan.message.equals(body) ? await deps.blobs.put(plan.message) : null;
  const blob = edited ?? { key: payload.blobKey, size: payload.size };
  const notice = plan.notice
    ? filterNotice({ account: account.address, notice: plan.notice, original: body })
    : null;
  const noticeBlob = notice ? await deps.blobs.put(notice) : null;
  const copies = plan.reject ? [] : plan.folders;
  // The MX's verdict (X-Nimbus-Folder, e.g. Junk) still applies where Sieve only kept the message.
  const securityFolder = deliveryFolder(body);

  const outcome = await deps.db.transaction(async (tx) => {
    const fresh = await tx.query(
      `INSERT INTO deliveries (queue_id, recipient) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
      [payload.queueId, account.address],
    );
    if (fresh.rows.length === 0) return { kind: 'duplicate' as const };
    const quota = await tx.query<{ quota_bytes: number | null; used_bytes: number }>(
      `SELECT quota_bytes, used_bytes FROM accounts WHERE id = $1 FOR UPDATE`,
      [account.id],
    );
    const { quota_bytes, used_bytes } = quota.rows[0]!;
    const adding = copies.length * (prefix.length + blob.size) + (noticeBlob?.size ?? 0);
    if (quota_bytes !== null && Number(used_bytes) + adding > Number(quota_bytes))
      return { kind: 'over-quota' as const };
    const inbox = await deps.mailboxes.getMailbox(account.id, 'INBOX', tx);
    if (!inbox && (copies.length > 0 || noticeBlob)) return { kind: 'no-inbox' as const };
    const appended: { mailboxId: number; uid: number; modseq: number }[] = [];
    const structure = copies.length > 0 ? parseMessageStructure(Buffer.concat([prefix, plan.message])) : null;
    const stored = new Set<number>();
    for (const folder of copies) {
      const kept = folder.name.toUpperCase() === 'INBOX' && securityFolder;
      const target =
        (kept ? await deps.mailboxes.getMailbox(account.id, securityFolder, tx) : null) ??
        (await folderFor(deps, tx, account.id, folder.name, folder.create)) ??
        inbox!;
      if (stored.has(target.id)) continue; // two actions that fell back to INBOX: one copy
      stored.add(target.id);
      await acquireBlob(tx, blob.key, blob.size);
      const r = await deps.mailboxes.append(tx, {
        mailboxId: target.id,
        blobKey: blob.key,
        blobSize: blob.size,
        headerPrefix: prefix,
        structure,
        flags: folder.flags,
        internalDate: new Date(payload.receivedAt),
      });
      appended.push({ mailboxId: target.id, uid: r.uid, modseq: r.modseq });
    }
    if (noticeBlob && notice) {
      await acquireBlob(tx, noticeBlob.key, noticeBlob.size);
      const r = await deps.mailboxes.append(tx, {
        mailboxId: inbox!.id,
        blobKey: noticeBlob.key,
        blobSize: noticeBlob.size,
        headerPrefix: Buffer.alloc(0),
        structure: parseMessageStructure(notice),
      });
      appended.push({ mailboxId: inbox!.id, uid: r.uid, modseq: r.modseq });
    }
    return { kind: 'delivered' as const, appended };
  });

  switch (outcome.kind) {
    case 'duplicate':
      return null;
    case 'over-quota':
      return { recipient, permanent: false, reason: `4.2.2 mailbox of ${account.address} is over quota` };
    case 'no-inbox':
      return { recipient, permanent: false, reason: `4.3.0 ${account.address} has no INBOX` };
    case 'delivered':
      break;
  }
  for (const a of outcome.appended)
    await deps.events.publish({
      accountId: account.id,
      mailboxId: a.mailboxId,
      kind: 'append',
      uid: a.uid,
      modseq: a.modseq,
    });
  await afterCommit(deps, payload, recipient, account, body, plan, blob, securityFolder !== null);
  return null;
}

/** Effects outside the mailbox, after the commit: each is idempotent or best effort. */
async function afterCommit(
  deps: SieveApplyDeps,
  payload: SpoolPayload,
  recipient: string,
  account: Account,
  body: Buffer,
  plan: DeliveryPlan,
  blob: { key: string; size: number },
  flaggedBySecurity: boolean,
): Promise<void> {
  for (const target of plan.redirects)
    await deps.redirect({ ...payload, blobKey: blob.key, size: blob.size }, recipient, account, target);
  const sender = payload.mailFrom.trim();
  // RFC 5429 §2.1: the null sender never gets a rejection (nor does what the MX called spam).
  if (plan.reject && sender && !flaggedBySecurity) {
    const data = rejectionMessage({
      account: account.address,
      to: sender,
      reason: plan.reject.reason,
      original: body,
    });
    await deps.vacation?.sendAutomatic(data, sender, account.address).catch(() => undefined);
  }
  if (plan.vacation && !flaggedBySecurity && !plan.reject)
    await deps.vacation?.fromSieve({ account, recipient, mailFrom: payload.mailFrom, body }, plan.vacation);
  if (plan.duplicates.length > 0)
    await deps.sieve.recordDuplicates(account.id, plan.duplicates).catch(() => undefined);
}
