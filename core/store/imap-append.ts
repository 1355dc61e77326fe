/**
 * IMAP APPEND / MULTIAPPEND (RFC 3502) and REPLACE (RFC 8508): every message stored in one
 * transaction, after a quota check; the bytes become a blob (no per-recipient prefix), the
 * structure is parsed once here.
 */
import { parseMessageStructure } from '../mime';
import type { BlobStore } from '../ports/blob-store';
import type { MailboxEvents } from '../ports/events';
import type { SqlDatabase, SqlExecutor } from '../ports/sql';
import { acquireBlob, ensureStored } from './blob-refs';
import { expungeInTx, OverQuotaError } from './copy-move';
import type { MailboxStore } from './mailbox-store';

export interface AppendItem {
  data: Buffer;
  flags: string[];
  internalDate?: Date;
}

/** REPLACE: the message to replace was expunged meanwhile (nothing was appended). */
export class ReplacedMessageGoneError extends Error {
  constructor() {
    super('the message to replace no longer exists');
    this.name = 'ReplacedMessageGoneError';
  }
}

interface StoredItem {
  item: AppendItem;
  info: { key: string; size: number };
  structure: unknown;
}

export interface AppendResult {
  uidvalidity: number;
  uids: number[];
  /** The mailbox's HIGHESTMODSEQ after the append (one MODSEQ per message). */
  modseq: number;
  /** The new messages were claimed as \Recent for the caller (append's `claimRecent`). */
  recentClaimed?: boolean;
}

export class ImapAppender {
  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobStore,
    private readonly store: MailboxStore,
    private readonly events: MailboxEvents,
  ) {}

  /**
   * The blobs are written first; their references and the rows in one statement (imap_append).
   * `claimRecent`: an IMAP4rev1 session with the mailbox selected read-write claims the new
   * messages as \Recent in the same statement, when nothing older is unclaimed.
   */
  async append(
    accountId: number,
    mailboxId: number,
    items: AppendItem[],
    options: { claimRecent?: boolean } = {},
  ): Promise<AppendResult> {
    const stored = await this.storeBlobs(items);
    const described = stored.map(({ item, info, structure }) => ({
      key: info.key,
      size: info.size,
      flags: item.flags,
      date: item.internalDate?.toISOString() ?? null,
      structure,
    }));
    const rows = await this.db.query<{
      out_uidvalidity: string | null;
      out_uid: string | null;
      out_modseq: string;
      out_claimed: boolean;
    }>(
      `SELECT out_uidvalidity, out_uid, out_modseq, out_claimed
       FROM imap_append($1::bigint, $2::bigint, $3::jsonb, $4::boolean)`,
      [accountId, mailboxId, JSON.stringify(described), options.claimRecent === true],
    );
    if (rows.rows.length === 0 || rows.rows[0].out_uid === null) throw new OverQuotaError();
    const result = {
      uidvalidity: Number(rows.rows[0].out_uidvalidity),
      uids: rows.rows.map((r) => Number(r.out_uid)),
      modseq: Number(rows.rows[0].out_modseq),
      recentClaimed: rows.rows[0].out_claimed === true,
    };
    await this.finish(accountId, mailboxId, stored, result);
    return result;
  }

  /**
   * REPLACE (RFC 8508): appends `item` to `mailboxId` and expunges `source.uid` from
   * `source.mailboxId` in one transaction, so either both happen or neither. The quota counts
   * the replaced message as gone. Returns the new message's UID and the UIDs expunged.
   * @throws ReplacedMessageGoneError, OverQuotaError
   */
  async replace(
    accountId: number,
    mailboxId: number,
    item: AppendItem,
    source: { accountId: number; mailboxId: number; uid: number },
  ): Promise<AppendResult & { expunged: number[] }> {
    const stored = await this.storeBlobs([item]);
    const result = await this.db.transaction(async (tx) => {
      const old = await tx.query<{ size: string }>(
        `SELECT m.size FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
         WHERE m.mailbox_id = $1 AND m.uid = $2 AND b.account_id = $3 FOR UPDATE OF m`,
        [source.mailboxId, source.uid, source.accountId],
      );
      if (!old.rows[0]) throw new ReplacedMessageGoneError();
      const freed = source.accountId === accountId ? Number(old.rows[0].size) : 0;
      await this.checkQuota(tx, accountId, total([item]) - freed);
      const appended = await this.appendInTx(tx, accountId, mailboxId, stored);
      const expunged = await expungeInTx(tx, source.accountId, source.mailboxId, [source.uid]);
      if (expunged.length === 0) throw new ReplacedMessageGoneError();
      return { ...appended, expunged };
    });
    await this.finish(accountId, mailboxId, stored, result);
    await this.events.publish({ accountId: source.accountId, mailboxId: source.mailboxId, kind: 'expunge' });
    return result;
  }

  private async storeBlobs(items: AppendItem[]): Promise<StoredItem[]> {
    const stored: StoredItem[] = [];
    for (const item of items) {
      const info = await this.blobs.put(item.data);
      stored.push({ item, info, structure: parseMessageStructure(item.data) });
    }
    return stored;
  }

  private async checkQuota(tx: SqlExecutor, accountId: number, adding: number): Promise<void> {
    const account = await tx.query<{ quota_bytes: string | null; used_bytes: string }>(
      `SELECT quota_bytes, used_bytes FROM accounts WHERE id = $1 FOR UPDATE`,
      [accountId],
    );
    const quota = account.rows[0]?.quota_bytes;
    if (
      quota !== null &&
      quota !== undefined &&
      Number(account.rows[0].used_bytes) + adding > Number(quota)
    ) {
      throw new OverQuotaError();
    }
  }

  private async appendInTx(
    tx: SqlExecutor,
    accountId: number,
    mailboxId: number,
    stored: StoredItem[],
  ): Promise<AppendResult> {
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
  }

  private async finish(
    accountId: number,
    mailboxId: number,
    stored: StoredItem[],
    result: { uids: number[]; modseq: number },
  ): Promise<void> {
    for (const { item, info } of stored) await ensureStored(this.blobs, info.key, item.data);
    await this.events.publish({
      accountId,
      mailboxId,
      kind: 'append',
      uid: result.uids[result.uids.length - 1],
      modseq: result.modseq,
    });
  }
}

const total = (items: AppendItem[]): number => items.reduce((n, i) => n + i.data.length, 0);
