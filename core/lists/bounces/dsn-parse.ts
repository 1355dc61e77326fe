import { parseMessageStructure } from '../../mime/structure';
import type { BodyPart } from '../../mime/types';
import { decodeTransferEncoding } from '../../mime/transfer-decoding';

export interface DsnRecipientReport {
  /** Final-Recipient (or Original-Recipient) address, lower case; null when unreadable. */
  address: string | null;
  action: string;
  /** Enhanced status code "5.1.1" ('' when absent). */
  status: string;
}

/** Caps so a hostile report costs bounded work. */
const MAX_REPORT_BYTES = 64 * 1024;
const MAX_RECIPIENTS = 100;

/**
 * The per-recipient fields of an RFC 3464 delivery-status report (the message/delivery-status
 * part of a multipart/report, or a whole message of that type), or null when the message is no
 * DSN. Faces the network (anyone can mail a VERP address): never throws, bounded work.
 */
export function parseDsn(message: Buffer): DsnRecipientReport[] | null {
  let part: BodyPart | null;
  try {
    part = findStatusPart(parseMessageStructure(message).body, 0);
  } catch {
    return null;
  }
  if (!part) return null;
  let text: string;
  try {
    const raw = message.subarray(part.bodyStart, Math.min(part.bodyEnd, part.bodyStart + MAX_REPORT_BYTES));
    text = decodeTransferEncoding(raw, 'encoding' in part ? part.encoding : '7bit').toString('latin1');
  } catch {
    return null;
  }
  const groups = text.split(/\r?\n[ \t]*\r?\n/).map(parseFields);
  // The first group is per-message (Reporting-MTA …); the rest are per-recipient.
  return groups
    .slice(1)
    .filter((g) => g.has('action') || g.has('status') || g.has('final-recipient'))
    .slice(0, MAX_RECIPIENTS)
    .map((g) => ({
      address: addressOf(g.get('final-recipient') ?? g.get('original-recipient') ?? ''),
      action: (g.get('action') ?? '').toLowerCase().split(/[\s(]/)[0],
      status: /^([245])\.\d{1,3}\.\d{1,3}/.exec(g.get('status') ?? '')?.[0] ?? '',
    }));
}

function findStatusPart(part: BodyPart, depth: number): BodyPart | null {
  if (depth > 5) return null;
  const type = `${part.type}/${part.subtype}`.toLowerCase();
  if (type === 'message/delivery-status' || type === 'message/global-delivery-status') return part;
  if (part.kind === 'multipart') {
    for (const child of part.parts) {
      const found = findStatusPart(child, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

function parseFields(group: string): Map<string, string> {
  const fields = new Map<string, string>();
  const unfolded = group.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(name)) fields.set(name, line.slice(colon + 1).trim());
  }
  return fields;
}

/** "rfc822; user@example.com" → "user@example.com". */
function addressOf(value: string): string | null {
  const semi = value.indexOf(';');
  const address = (semi >= 0 ? value.slice(semi + 1) : value).trim().replace(/^<|>$/g, '').toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(address) ? address : null;
}
