/**
 * IMAP APPEND / MULTIAPPEND (RFC 3502): every message stored in one transaction, after a quota
 * check; the bytes become a blob (no per-recipient prefix), the structure is parsed once here.
 */
import { parseMessageStructure } from '../mime';
import type { BlobStore } from '../ports/blob-store';
import type { MailboxEvents } from '../ports/events';
import type { SqlDatabase } from '../ports/sql';
import { acquireBlob, ensureStored } from './blob-refs';
import { OverQuotaError } from './copy-move';
import type { MailboxStore } from './mailbox-store';

export interface AppendItem {
  data: Buffer;
  flags: string[];
  internalDate?: Date;
}

export class ImapAppender {
  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobStore,
    private readonly store: MailboxStore,
    private readonly events: MailboxEvents,
  ) {}

  async append(
    accountId: number,
    mailboxId: number,
    items: AppendItem[],
  ): Promise<{ uidvalidity: number; uids: number[] }> {
    const stored: { item: AppendItem; info: { key: string; size: number }; structure: unknown }[] = [];
    for (const item of items) {
      const info = await this.blobs.put(item.data);
      stored.push({ item, info, structure: parseMessageStructure(item.data) });
    }
    const total = items.reduce((n, i) => n + i.data.length, 0);
    const result = await this.db.transaction(async (tx) => {
      const account = await tx.query<{ quota_bytes: string | null; used_bytes: string }>(
        `SELECT quota_bytes, used_bytes FROM accounts WHERE id = $1 FOR UPDATE`,
        [accountId],
      );
      const quota = account.rows[0]?.quota_bytes;
      if (
        quota !== null &&
        quota !== undefined &&
        Number(account.rows[0].used_bytes) + total > Number(quota)
      ) {
        throw new OverQuotaError();
      }
      const mailbox = await tx.query<{ uidvalidity: string }>(
        `SELECT uidvalidity FROM mailboxes WHERE id = $1 AND account_id = $2 FOR UPDATE`,
        [mailboxId, accountId],
      );
      if (mailbox.rows.length === 0) throw new Error('mailbox vanished');
      const uids: number[] = [];
      let modseq = 0;
      for (const { item, info, structure } of stored) {
        await acquireBlob(tx, info.key, info.size);
        const appended = await this.store.append(tx, {
          mailboxId,
          blobKey: info.key,
          blobSize: info.size,
          headerPrefix: Buffer.alloc(0),
          structure,
          flags: item.flags,
          internalDate: item.internalDate,
        });
        uids.push(Number(appended.uid));
        modseq = Number(appended.modseq);
      }
      return { uidvalidity: Number(mailbox.rows[0].uidvalidity), uids, modseq };
    });
    for (const { item, info } of stored) await ensureStored(this.blobs, info.key, item.data);
    await this.events.publish({
      accountId,
      mailboxId,
      kind: 'append',
      uid: result.uids[result.uids.length - 1],
      modseq: result.modseq,
    });
    return { uidvalidity: result.uidvalidity, uids: result.uids };
  }
}
