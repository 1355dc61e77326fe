/**
 * COPY, MOVE (RFC 6851) and EXPUNGE for IMAP. Copies share the source blob (one more reference
 * per copy) and get fresh UIDs in ascending source order, so COPYUID can pair them up.
 */
import type { MailboxEvents } from '../ports/events';
import type { SqlDatabase, SqlExecutor } from '../ports/sql';
import { acquireMessageBlobs, releaseBlobs } from './blob-refs';
import { EXPUNGE_RETENTION_SECONDS, retainExpunged } from './expunge-retention';

export class OverQuotaError extends Error {
  constructor() {
    super('over quota');
    this.name = 'OverQuotaError';
  }
}

export interface CopyResult {
  uidvalidity: number;
  sourceUids: number[];
  targetUids: number[];
}

const uidArray = (uids: number[]): string => `{${uids.join(',')}}`;

/**
 * Which flags a copy keeps (RFC 4314 §4: without the s, t or w right on the target the copy
 * drops \Seen, \Deleted or the other flags instead of failing).
 */
export interface FlagRights {
  seen: boolean;
  deleted: boolean;
  other: boolean;
}

export const ALL_FLAGS: FlagRights = { seen: true, deleted: true, other: true };

/** Source and target mailboxes with their owners (they differ for a shared mailbox). */
export interface Transfer {
  sourceOwnerId: number;
  sourceId: number;
  targetOwnerId: number;
  targetId: number;
  keep?: FlagRights;
}

/**
 * COPY inserts new rows that share the source blobs. MOVE moves the rows themselves: the message
 * keeps its row id (so its EMAILID and JMAP id, RFC 8474 §5.1), its search text and thread, and the
 * source records the expunge with the data kept readable (expunge-retention.ts).
 */
async function transferInTx(
  tx: SqlExecutor,
  transfer: Transfer,
  uids: number[],
  mode: 'copy' | 'move',
): Promise<CopyResult & { modseq: number }> {
  const crossOwner = transfer.sourceOwnerId !== transfer.targetOwnerId;
  // Within one account a MOVE leaves the quota as it is.
  const checkQuota = mode === 'copy' || crossOwner;
  const { sourceId, targetId, targetOwnerId: accountId } = transfer;
  const keep = transfer.keep ?? ALL_FLAGS;
  // Lock order everywhere: account (quota) then mailboxes by id. The target's owner pays the quota.
  const account = await tx.query<{ quota_bytes: string | null; used_bytes: string }>(
    `SELECT quota_bytes, used_bytes FROM accounts WHERE id = $1 FOR UPDATE`,
    [accountId],
  );
  const [first, second] = sourceId < targetId ? [sourceId, targetId] : [targetId, sourceId];
  await tx.query(`SELECT id FROM mailboxes WHERE id = $1 FOR UPDATE`, [first]);
  if (second !== first) await tx.query(`SELECT id FROM mailboxes WHERE id = $1 FOR UPDATE`, [second]);
  const source = await tx.query<{ uid: string; size: string; seen: boolean }>(
    `SELECT m.uid, m.size, '\\Seen' = ANY(m.flags) AS seen FROM messages m
     JOIN mailboxes b ON b.id = m.mailbox_id AND b.account_id = $3
     WHERE m.mailbox_id = $1 AND m.uid = ANY($2::bigint[]) ORDER BY m.uid`,
    [sourceId, uidArray(uids), transfer.sourceOwnerId],
  );
  const target = await tx.query<{ uidvalidity: string; uidnext: string; highestmodseq: string }>(
    `SELECT uidvalidity, uidnext, highestmodseq FROM mailboxes WHERE id = $1 AND account_id = $2`,
    [targetId, accountId],
  );
  const uidvalidity = Number(target.rows[0]?.uidvalidity ?? 0);
  if (source.rows.length === 0) return { uidvalidity, sourceUids: [], targetUids: [], modseq: 0 };
  const bytes = source.rows.reduce((n, r) => n + Number(r.size), 0);
  const quota = account.rows[0]?.quota_bytes;
  if (
    checkQuota &&
    quota !== null &&
    quota !== undefined &&
    Number(account.rows[0].used_bytes) + bytes > Number(quota)
  ) {
    throw new OverQuotaError();
  }
  const count = source.rows.length;
  const unseen = source.rows.filter((r) => !(r.seen && keep.seen)).length;
  const firstUid = Number(target.rows[0].uidnext);
  const bumped = await tx.query<{ highestmodseq: string }>(
    `UPDATE mailboxes SET uidnext = uidnext + $2, highestmodseq = highestmodseq + 1,
            message_count = message_count + $2, unseen_count = unseen_count + $3
     WHERE id = $1 RETURNING highestmodseq`,
    [targetId, count, unseen],
  );
  const modseq = Number(bumped.rows[0].highestmodseq);
  const sourceUids = source.rows.map((r) => Number(r.uid));
  const targetUids = sourceUids.map((_, i) => firstUid + i);
  const keptFlags = `ARRAY(SELECT f FROM unnest(flags) f WHERE CASE f WHEN '\\Seen' THEN $6::boolean
                  WHEN '\\Deleted' THEN $7::boolean ELSE $8::boolean END)`;
  if (mode === 'move') {
    const sourceUnseen = source.rows.filter((r) => !r.seen).length;
    const expunged = await tx.query<{ highestmodseq: string }>(
      `UPDATE mailboxes SET highestmodseq = highestmodseq + 1, message_count = message_count - $2,
              unseen_count = unseen_count - $3
       WHERE id = $1 RETURNING highestmodseq`,
      [sourceId, count, sourceUnseen],
    );
    await retainExpunged(tx, sourceId, sourceUids, Number(expunged.rows[0].highestmodseq));
    await tx.query(
      `UPDATE messages m SET mailbox_id = $1, uid = x.new_uid, modseq = $3, flags = ${keptFlags}
       FROM (SELECT id, $2 + row_number() OVER (ORDER BY uid) - 1 AS new_uid
             FROM messages WHERE mailbox_id = $4 AND uid = ANY($5::bigint[])) x
       WHERE m.id = x.id`,
      [targetId, firstUid, modseq, sourceId, uidArray(sourceUids), keep.seen, keep.deleted, keep.other],
    );
    if (crossOwner) {
      await tx.query(`UPDATE accounts SET used_bytes = used_bytes + $2 WHERE id = $1`, [accountId, bytes]);
      await tx.query(`UPDATE accounts SET used_bytes = GREATEST(0, used_bytes - $2) WHERE id = $1`, [
        transfer.sourceOwnerId,
        bytes,
      ]);
    }
    return { uidvalidity, sourceUids, targetUids, modseq };
  }
  await tx.query(
    `INSERT INTO messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_prefix, structure)
     SELECT $1, $2 + row_number() OVER (ORDER BY uid) - 1, $3,
            ${keptFlags},
            internal_date, size, blob_key, header_prefix, structure
     FROM messages WHERE mailbox_id = $4 AND uid = ANY($5::bigint[]) ORDER BY uid`,
    [targetId, firstUid, modseq, sourceId, uidArray(sourceUids), keep.seen, keep.deleted, keep.other],
  );
  await acquireMessageBlobs(tx, sourceId, sourceUids);
  await tx.query(`UPDATE accounts SET used_bytes = used_bytes + $2 WHERE id = $1`, [accountId, bytes]);
  return { uidvalidity, sourceUids, targetUids, modseq };
}

/**
 * Removes messages by UID inside `tx`: records them for QRESYNC (with their data, readable for a
 * while: expunge-retention.ts), releases blob references and quota, and updates the counters.
 * Returns the UIDs actually removed.
 */
export async function expungeInTx(
  tx: SqlExecutor,
  accountId: number,
  mailboxId: number,
  uids: number[],
): Promise<number[]> {
  return (await expungeWithModseq(tx, accountId, mailboxId, uids)).removed;
}

/** expungeInTx, also returning the MODSEQ the expunge took (0 when nothing was locked). */
export async function expungeWithModseq(
  tx: SqlExecutor,
  accountId: number,
  mailboxId: number,
  uids: number[],
): Promise<{ removed: number[]; modseq: number }> {
  if (uids.length === 0) return { removed: [], modseq: 0 };
  // The account row first, like APPEND and delivery (one lock order; see migration 107).
  await tx.query(`SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
  const lock = await tx.query<{ highestmodseq: string }>(
    `UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = $1 AND account_id = $2
     RETURNING highestmodseq`,
    [mailboxId, accountId],
  );
  if (lock.rows.length === 0) return { removed: [], modseq: 0 };
  const modseq = Number(lock.rows[0].highestmodseq);
  // QRESYNC record plus the retained data and blob hold (expunge-retention.ts).
  await retainExpunged(tx, mailboxId, uids, modseq);
  const deleted = await tx.query<{ uid: string; size: string; blob_key: string; seen: boolean }>(
    `DELETE FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[])
     RETURNING uid, size, blob_key, '\\Seen' = ANY(flags) AS seen`,
    [mailboxId, uidArray(uids)],
  );
  if (deleted.rows.length === 0) return { removed: [], modseq };
  const removed = deleted.rows.map((r) => Number(r.uid)).sort((a, b) => a - b);
  const perBlob = new Map<string, number>();
  let bytes = 0;
  let unseen = 0;
  for (const row of deleted.rows) {
    perBlob.set(row.blob_key, (perBlob.get(row.blob_key) ?? 0) + 1);
    bytes += Number(row.size);
    if (!row.seen) unseen++;
  }
  await releaseBlobs(
    tx,
    [...perBlob].map(([key, count]) => ({ key, count })),
  );
  await tx.query(
    `UPDATE mailboxes SET message_count = message_count - $2, unseen_count = unseen_count - $3 WHERE id = $1`,
    [mailboxId, removed.length, unseen],
  );
  await tx.query(`UPDATE accounts SET used_bytes = GREATEST(0, used_bytes - $2) WHERE id = $1`, [
    accountId,
    bytes,
  ]);
  return { removed, modseq };
}

export class MessageMover {
  constructor(
    private readonly db: SqlDatabase,
    private readonly events: MailboxEvents,
  ) {}

  async copy(transfer: Transfer, uids: number[]): Promise<CopyResult> {
    const result = await this.db.transaction((tx) => transferInTx(tx, transfer, uids, 'copy'));
    if (result.targetUids.length > 0) {
      await this.events.publish({
        accountId: transfer.targetOwnerId,
        mailboxId: transfer.targetId,
        kind: 'append',
        modseq: result.modseq,
      });
    }
    return result;
  }

  /**
   * MOVE (IMAP and JMAP): the rows move in one transaction, keeping their ids. Within one account
   * the quota is unchanged, so not checked; into another owner's mailbox it is that owner's quota.
   */
  async move(transfer: Transfer, uids: number[]): Promise<CopyResult> {
    const result = await this.db.transaction((tx) => transferInTx(tx, transfer, uids, 'move'));
    if (result.targetUids.length > 0) {
      await this.events.publish({
        accountId: transfer.targetOwnerId,
        mailboxId: transfer.targetId,
        kind: 'append',
        modseq: result.modseq,
      });
      await this.events.publish({
        accountId: transfer.sourceOwnerId,
        mailboxId: transfer.sourceId,
        kind: 'expunge',
      });
    }
    return result;
  }

  async expunge(accountId: number, mailboxId: number, uids: number[]): Promise<number[]> {
    const result = await this.db.transaction((tx) => expungeWithModseq(tx, accountId, mailboxId, uids));
    if (result.removed.length > 0)
      await this.events.publish({ accountId, mailboxId, kind: 'expunge', modseq: result.modseq });
    return result.removed;
  }

  /**
   * IMAP EXPUNGE / UID EXPUNGE / CLOSE: removes the messages flagged \Deleted (only those of
   * `within` when given), chosen under the mailbox lock, in one statement (imap_expunge,
   * migrations-imap-fast.ts). Returns the UIDs removed and the MODSEQ of the expunge.
   */
  async expungeDeleted(
    accountId: number,
    mailboxId: number,
    within?: number[],
  ): Promise<{ removed: number[]; modseq: number }> {
    if (within && within.length === 0) return { removed: [], modseq: 0 };
    const rows = await this.db.query<{ out_uid: string; out_modseq: string }>(
      `SELECT out_uid, out_modseq FROM imap_expunge($1::bigint, $2::bigint, $3::bigint[], $4::int)`,
      [accountId, mailboxId, within ? uidArray(within) : null, EXPUNGE_RETENTION_SECONDS],
    );
    const removed = rows.rows.map((r) => Number(r.out_uid));
    const modseq = Number(rows.rows[0]?.out_modseq ?? 0);
    if (removed.length > 0) await this.events.publish({ accountId, mailboxId, kind: 'expunge', modseq });
    return { removed, modseq };
  }

  /** UIDs flagged \Deleted (optionally limited to `within`). */
  async deletedUids(mailboxId: number, within?: number[]): Promise<number[]> {
    const params: unknown[] = [mailboxId];
    let where = '';
    if (within) {
      params.push(uidArray(within));
      where = ' AND uid = ANY($2::bigint[])';
    }
    const result = await this.db.query<{ uid: string }>(
      `SELECT uid FROM messages WHERE mailbox_id = $1 AND '\\Deleted' = ANY(flags)${where} ORDER BY uid`,
      params,
    );
    return result.rows.map((r) => Number(r.uid));
  }
}
