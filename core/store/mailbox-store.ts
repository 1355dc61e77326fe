import type { BlobStore } from '../ports/blob-store';
import type { MailboxEvents } from '../ports/events';
import type { SqlExecutor } from '../ports/sql';
import { releaseBlob } from './blob-refs';
import { retainExpunged } from './expunge-retention';

export interface MailboxRow {
  id: number;
  account_id: number;
  name: string;
  special_use: string | null;
  subscribed: boolean;
  uidvalidity: number;
  uidnext: number;
  highestmodseq: number;
  message_count: number;
  unseen_count: number;
}

export interface StoredMessage {
  id: number;
  mailboxId: number;
  uid: number;
  modseq: number;
  flags: string[];
  internalDate: Date;
  size: number;
  blobKey: string;
  headerPrefix: Buffer;
}

interface MessageRow {
  id: number;
  mailbox_id: number;
  uid: number;
  modseq: number;
  flags: string[];
  internal_date: Date;
  size: number;
  blob_key: string;
  header_prefix: Buffer;
}

export interface AppendInput {
  mailboxId: number;
  blobKey: string;
  blobSize: number;
  headerPrefix: Buffer;
  structure: unknown;
  flags?: string[];
  internalDate?: Date;
}

/**
 * The mailbox index: UIDs and MODSEQs are assigned inside the caller's transaction, under the
 * mailbox row lock, so they are strictly ascending and never reused within a UIDVALIDITY.
 */
export class MailboxStore {
  constructor(
    private readonly db: SqlExecutor,
    private readonly blobs: BlobStore,
    private readonly events: MailboxEvents,
  ) {}

  async getMailbox(accountId: number, name: string, tx: SqlExecutor = this.db): Promise<MailboxRow | null> {
    const result = await tx.query<MailboxRow>(`SELECT * FROM mailboxes WHERE account_id = $1 AND name = $2`, [
      accountId,
      name,
    ]);
    return result.rows[0] ?? null;
  }

  async listMailboxes(accountId: number): Promise<MailboxRow[]> {
    const result = await this.db.query<MailboxRow>(
      `SELECT * FROM mailboxes WHERE account_id = $1 ORDER BY name`,
      [accountId],
    );
    return result.rows;
  }

  /** Appends within `tx`; the blob reference must be acquired by the caller in the same transaction. */
  async append(tx: SqlExecutor, input: AppendInput): Promise<{ uid: number; modseq: number; size: number }> {
    const size = input.headerPrefix.length + input.blobSize;
    const flags = input.flags ?? [];
    const seen = flags.includes('\\Seen') ? 0 : 1;
    const mailbox = await tx.query<{ uid: number; modseq: number; account_id: number }>(
      `UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1,
              message_count = message_count + 1, unseen_count = unseen_count + $2
       WHERE id = $1 RETURNING uidnext - 1 AS uid, highestmodseq AS modseq, account_id`,
      [input.mailboxId, seen],
    );
    const { uid, modseq, account_id } = mailbox.rows[0];
    await tx.query(
      // The casts: the Data API binds arrays (as literals) and JSON as text, without pg's inference.
      `INSERT INTO messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_prefix, structure)
       VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8, $9::jsonb)`,
      [
        input.mailboxId,
        uid,
        modseq,
        flags,
        input.internalDate ?? new Date(),
        size,
        input.blobKey,
        input.headerPrefix,
        JSON.stringify(input.structure),
      ],
    );
    await tx.query(`UPDATE accounts SET used_bytes = used_bytes + $2 WHERE id = $1`, [account_id, size]);
    return { uid, modseq, size };
  }

  async listMessages(mailboxId: number): Promise<StoredMessage[]> {
    const result = await this.db.query<MessageRow>(
      `SELECT id, mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_prefix
       FROM messages WHERE mailbox_id = $1 ORDER BY uid`,
      [mailboxId],
    );
    return result.rows.map(toMessage);
  }

  /** The message as clients see it: the per-recipient header prefix followed by the shared blob. */
  async readMessage(message: Pick<StoredMessage, 'blobKey' | 'headerPrefix'>): Promise<Buffer> {
    const body = await this.blobs.get(message.blobKey);
    return Buffer.concat([message.headerPrefix, body]);
  }

  /**
   * Removes messages by UID, remembering them for QRESYNC (and, for a while, their data for IMAP
   * sessions not yet told: expunge-retention.ts), and releases their blob references.
   */
  async expunge(accountId: number, mailboxId: number, uids: number[]): Promise<number[]> {
    if (uids.length === 0) return [];
    const removed = await this.db.transaction(async (tx) => {
      // The account row first, like APPEND and delivery (one lock order; see migration 107).
      await tx.query(`SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
      const lock = await tx.query<{ highestmodseq: number }>(
        `UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = $1 AND account_id = $2
         RETURNING highestmodseq`,
        [mailboxId, accountId],
      );
      if (lock.rows.length === 0) return [];
      const modseq = Number(lock.rows[0].highestmodseq);
      // QRESYNC record plus the retained data and blob hold (expunge-retention.ts).
      await retainExpunged(tx, mailboxId, uids, modseq);
      const deleted = await tx.query<{ uid: number; size: number; blob_key: string; flags: string[] }>(
        `DELETE FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) RETURNING uid, size, blob_key, flags`,
        [mailboxId, uids],
      );
      if (deleted.rows.length === 0) return [];
      let bytes = 0;
      let unseen = 0;
      for (const row of deleted.rows) {
        bytes += Number(row.size);
        if (!row.flags.includes('\\Seen')) unseen++;
        await releaseBlob(tx, row.blob_key);
      }
      await tx.query(
        `UPDATE mailboxes SET message_count = message_count - $2, unseen_count = unseen_count - $3 WHERE id = $1`,
        [mailboxId, deleted.rows.length, unseen],
      );
      await tx.query(`UPDATE accounts SET used_bytes = GREATEST(0, used_bytes - $2) WHERE id = $1`, [
        accountId,
        bytes,
      ]);
      return deleted.rows.map((row) => Number(row.uid));
    });
    if (removed.length > 0) await this.events.publish({ accountId, mailboxId, kind: 'expunge' });
    return removed;
  }
}

function toMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    mailboxId: row.mailbox_id,
    uid: Number(row.uid),
    modseq: Number(row.modseq),
    flags: row.flags,
    internalDate: new Date(row.internal_date),
    size: Number(row.size),
    blobKey: row.blob_key,
    headerPrefix: row.header_prefix,
  };
}
