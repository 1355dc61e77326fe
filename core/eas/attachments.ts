/**
 * Attachment bytes behind a mail FileReference "m<mailboxId>:<uid>:<section>" (the IMAP section
 * number of the part, as the Email source writes it): ItemOperations Fetch and GetAttachment.
 * Confined to the account: a reference into another account's mailbox is simply not found.
 */
import { decodeTransferEncoding, resolveSection, type MessageStructure } from '../mime';
import { paramValue } from '../mime/content-type';
import type { BlobStore } from '../ports/blob-store';
import type { SqlExecutor } from '../ports/sql';
import { toBuffer } from '../store/search/search-engine';

export interface AttachmentReference {
  mailboxId: number;
  uid: number;
  /** IMAP section path, e.g. [2] or [1, 2]. */
  part: number[];
}

export interface Attachment {
  data: Buffer;
  contentType: string;
  name: string | null;
}

const NUM = '[1-9][0-9]{0,15}';
const REFERENCE = new RegExp(`^m(${NUM}):(${NUM}):(${NUM}(?:\\.${NUM}){0,31})$`);

export function parseAttachmentReference(reference: string): AttachmentReference | null {
  const m = REFERENCE.exec(reference);
  if (!m) return null;
  const part = m[3].split('.').map(Number);
  const ids = [Number(m[1]), Number(m[2]), ...part];
  if (!ids.every(Number.isSafeInteger)) return null;
  return { mailboxId: ids[0], uid: ids[1], part };
}

export const attachmentReference = (ref: AttachmentReference): string =>
  `m${ref.mailboxId}:${ref.uid}:${ref.part.join('.')}`;

/** The part's decoded bytes and type, or null (unknown reference, another account's, a multipart). */
export async function readAttachment(
  deps: { db: SqlExecutor; blobs: BlobStore },
  accountId: number,
  reference: string,
): Promise<Attachment | null> {
  const ref = parseAttachmentReference(reference);
  if (!ref) return null;
  const rows = await deps.db.query<{ blob_key: string; header_prefix: unknown; structure: unknown }>(
    `SELECT m.blob_key, m.header_prefix, m.structure FROM messages m
     JOIN mailboxes b ON b.id = m.mailbox_id
     WHERE m.mailbox_id = $1 AND b.account_id = $2 AND m.uid = $3`,
    [ref.mailboxId, accountId, ref.uid],
  );
  const row = rows.rows[0];
  if (!row) return null;
  const structure = (
    typeof row.structure === 'string' ? JSON.parse(row.structure) : row.structure
  ) as MessageStructure;
  const section = resolveSection(structure, ref.part);
  if (!section || section.part.kind === 'multipart') return null;
  const prefix = toBuffer(row.header_prefix);
  const raw = Buffer.concat([prefix, await deps.blobs.get(row.blob_key)]);
  const part = section.part;
  const data = decodeTransferEncoding(raw.subarray(section.body.start, section.body.end), part.encoding);
  const name =
    (part.disposition ? paramValue(part.disposition.params, 'filename') : null) ??
    paramValue(part.params, 'name');
  return { data, contentType: `${part.type}/${part.subtype}`.toLowerCase(), name };
}
