/**
 * airsyncbase:Attachments (MS-ASAIRS §2.2.2.7): the message's attachments and inline parts,
 * each with a FileReference "m<mailbox>:<uid>:<IMAP part>" that ItemOperations fetches.
 */
import { bodyLists, type Leaf } from '../../jmap/email-body';
import { decodeHeaderValue, type BodyPart, type MessageStructure } from '../../mime';
import { paramValue } from '../../mime/content-type';
import { el, type EasElement } from '../wbxml/tree';
import { wellFormed } from './email-body';
import { fileReference } from './email-ids';

/** MS-ASAIRS Method: 1 normal attachment, 5 embedded message. */
const METHOD_NORMAL = 1;
const METHOD_EMBEDDED = 5;

export interface AttachmentInfo {
  path: number[];
  name: string;
  size: number;
  method: number;
  contentId: string | null;
  location: string | null;
  inline: boolean;
}

function nameOf(part: BodyPart, index: number): string {
  if (part.kind === 'multipart') return `attachment-${index}`;
  const raw =
    (part.disposition ? paramValue(part.disposition.params, 'filename') : null) ??
    paramValue(part.params, 'name');
  if (raw) return decodeHeaderValue(raw);
  if (part.kind === 'message') {
    const subject = part.message.envelope.subject;
    return `${subject ? decodeHeaderValue(subject) : 'message'}.eml`;
  }
  return `attachment-${index}.${part.subtype.toLowerCase().replace(/[^a-z0-9]/g, '') || 'bin'}`;
}

/** Decoded size, estimated from the encoded one (base64 carries 3 bytes per 4 characters plus line breaks). */
function decodedSize(part: BodyPart): number {
  if (part.kind === 'multipart') return 0;
  const encoding = part.encoding.toLowerCase();
  if (encoding === 'base64') return Math.floor((part.size * 3) / 4 / (78 / 76));
  return part.size;
}

export function attachmentsOf(structure: MessageStructure): AttachmentInfo[] {
  const lists = bodyLists(0, structure);
  const seen = new Set<string>();
  const out: AttachmentInfo[] = [];
  const add = (leaf: Leaf, inlineOnly: boolean): void => {
    const key = leaf.path.join('.');
    const part = leaf.part;
    if (seen.has(key) || part.kind === 'multipart') return;
    const cid = part.id ? part.id.replace(/^\s*<|>\s*$/g, '') : null;
    const inline = part.disposition?.type.toLowerCase() !== 'attachment' && cid !== null;
    if (inlineOnly && (!inline || leaf.jmap.type.startsWith('text/'))) return;
    seen.add(key);
    out.push({
      path: leaf.path,
      name: nameOf(part, out.length + 1),
      size: decodedSize(part),
      method: part.kind === 'message' ? METHOD_EMBEDDED : METHOD_NORMAL,
      contentId: cid,
      location: part.location,
      inline,
    });
  };
  for (const leaf of lists.attachments) add(leaf, false);
  // Images referenced by the HTML (cid:) are shown inline by the device, which needs them too.
  for (const leaf of lists.htmlBody) add(leaf, true);
  return out;
}

export function renderAttachments(mailboxId: number, uid: number, list: AttachmentInfo[]): EasElement | null {
  if (list.length === 0) return null;
  return el(
    'AirSyncBase',
    'Attachments',
    ...list.map((a) =>
      el(
        'AirSyncBase',
        'Attachment',
        el('AirSyncBase', 'DisplayName', wellFormed(a.name)),
        el('AirSyncBase', 'FileReference', fileReference(mailboxId, uid, a.path)),
        el('AirSyncBase', 'Method', a.method),
        el('AirSyncBase', 'EstimatedDataSize', a.size),
        a.contentId !== null && el('AirSyncBase', 'ContentId', wellFormed(a.contentId)),
        a.location !== null && el('AirSyncBase', 'ContentLocation', wellFormed(a.location)),
        a.inline && el('AirSyncBase', 'IsInline', 1),
      ),
    ),
  );
}
