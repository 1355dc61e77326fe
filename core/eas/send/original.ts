/**
 * The message a SmartReply or SmartForward answers: Source names it by the Email class's
 * ServerIds (folder "m<mailboxId>", item "m<mailboxId>:<uid>", or the item alone as a Search
 * LongId). Only the account's own mailboxes are looked in: anything else is "not found".
 */
import { parseMessageStructure, type MessageStructure } from '../../mime';
import type { BlobStore } from '../../ports/blob-store';
import type { SqlExecutor } from '../../ports/sql';
import type { ComposeSource } from './compose-request';

export interface OriginalMessage {
  mailboxId: number;
  uid: number;
  flags: string[];
  raw: Buffer;
  structure: MessageStructure;
}

const ITEM = /^m([1-9][0-9]{0,15}):([1-9][0-9]{0,15})$/;

/** "m12:345" → { mailboxId: 12, uid: 345 }; null for any other form. */
export function parseMailItemId(id: string): { mailboxId: number; uid: number } | null {
  const m = ITEM.exec(id);
  return m ? { mailboxId: Number(m[1]), uid: Number(m[2]) } : null;
}

/** Which mail item a Source names; null when it names none (or folder and item disagree). */
export function sourceItem(source: ComposeSource): { mailboxId: number; uid: number } | null {
  const item = parseMailItemId(source.itemId ?? source.longId ?? '');
  if (!item) return null;
  if (
    source.folderId !== undefined &&
    source.itemId !== undefined &&
    source.folderId !== `m${item.mailboxId}`
  )
    return null;
  return item;
}

export async function loadOriginal(
  db: SqlExecutor,
  blobs: Pick<BlobStore, 'get'>,
  accountId: number,
  item: { mailboxId: number; uid: number },
): Promise<OriginalMessage | null> {
  const rows = await db.query<{ flags: string[]; blob_key: string; header_prefix: Buffer | null }>(
    `SELECT m.flags, m.blob_key, m.header_prefix FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
     WHERE b.account_id = $1 AND m.mailbox_id = $2 AND m.uid = $3`,
    [accountId, item.mailboxId, item.uid],
  );
  const row = rows.rows[0];
  if (!row) return null;
  const body = await blobs.get(row.blob_key);
  const raw = Buffer.concat([row.header_prefix ? Buffer.from(row.header_prefix) : Buffer.alloc(0), body]);
  return { ...item, flags: row.flags ?? [], raw, structure: parseMessageStructure(raw) };
}
