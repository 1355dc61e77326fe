/** Loading the account's message rows (always joined to the account: isolation lives here). */
import { parseHeaderFields, type HeaderField, type MessageStructure } from '../mime';
import { toBuffer } from '../store/search/search-engine';
import type { JmapAccount, JmapDeps } from './context';
import { bigintArray } from './util';

export interface MessageData {
  id: number;
  mailboxId: number;
  uid: number;
  modseq: number;
  flags: string[];
  internalDate: Date;
  size: number;
  blobKey: string;
  headerPrefix: Buffer;
  structure: MessageStructure;
}

/** A `messages` row (id, mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_prefix, structure). */
export function messageDataOf(row: Record<string, unknown>): MessageData {
  return {
    id: Number(row.id),
    mailboxId: Number(row.mailbox_id),
    uid: Number(row.uid),
    modseq: Number(row.modseq),
    flags: row.flags as string[],
    internalDate: new Date(row.internal_date as string),
    size: Number(row.size),
    blobKey: row.blob_key as string,
    headerPrefix: toBuffer(row.header_prefix),
    structure: (typeof row.structure === 'string'
      ? JSON.parse(row.structure)
      : row.structure) as MessageStructure,
  };
}

export async function loadMessages(
  deps: JmapDeps,
  account: JmapAccount,
  ids: number[],
): Promise<Map<number, MessageData>> {
  const out = new Map<number, MessageData>();
  if (ids.length === 0) return out;
  const result = await deps.db.query<Record<string, unknown>>(
    `SELECT m.id, m.mailbox_id, m.uid, m.modseq, m.flags, m.internal_date, m.size, m.blob_key, m.header_prefix, m.structure
     FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
     WHERE m.id = ANY($1::bigint[]) AND b.account_id = $2`,
    [bigintArray(ids), account.id],
  );
  for (const row of result.rows) out.set(Number(row.id), messageDataOf(row));
  return out;
}

/** The whole message as stored: per-recipient prefix + shared blob. */
export async function rawMessage(deps: JmapDeps, m: MessageData): Promise<Buffer> {
  return Buffer.concat([m.headerPrefix, await deps.blobs.get(m.blobKey)]);
}

/** Just the top-level header (one ranged read). */
export async function headerFields(deps: JmapDeps, m: MessageData): Promise<HeaderField[]> {
  const end = Math.max(0, m.structure.headerSize - m.headerPrefix.length);
  const bytes = end > 0 ? await deps.blobs.getRange(m.blobKey, 0, end) : Buffer.alloc(0);
  return parseHeaderFields(Buffer.concat([m.headerPrefix, bytes]));
}
