/** The header block both digest forms share: from the list's -request address, to the list. */
import libmime from 'libmime';
import { createHash } from 'node:crypto';

export interface DigestIssue {
  listId: string;
  listName: string;
  listAddress: string;
  period: string;
  volume: number;
  issue: number;
  /** When the digest was first built: rebuilding after a crash gives the same bytes. */
  date: Date;
}

export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

const encoded = (text: string): string =>
  /[^\x20-\x7e]/.test(text) ? libmime.encodeWords(text, 'Q', 52) : text.replace(/[\r\n]+/g, ' ');

export function requestAddress(listAddress: string): string {
  const at = listAddress.lastIndexOf('@');
  return `${listAddress.slice(0, at)}-request${listAddress.slice(at)}`;
}

export function digestSubject(issue: DigestIssue): string {
  return `${issue.listName} Digest, Vol ${issue.volume}, Issue ${issue.issue}`;
}

/** A Message-ID made from the list and period: a rebuilt digest keeps it (deduplication by clients). */
export function digestMessageId(issue: DigestIssue): string {
  const hash = createHash('sha256').update(`${issue.listId}\0${issue.period}`).digest('hex').slice(0, 24);
  const domain = issue.listAddress.slice(issue.listAddress.lastIndexOf('@') + 1);
  return `<digest.${hash}@${domain}>`;
}

export function digestHeader(issue: DigestIssue, subject: string, extra: string[]): string {
  const name = issue.listName.replace(/["\\\r\n]/g, '');
  return [
    `From: ${encoded(name)} <${requestAddress(issue.listAddress)}>`,
    `To: ${issue.listAddress}`,
    `Subject: ${encoded(subject)}`,
    `Date: ${rfc5322Date(issue.date)}`,
    `Message-ID: ${digestMessageId(issue)}`,
    'MIME-Version: 1.0',
    'Precedence: list',
    'Auto-Submitted: auto-generated',
    ...extra,
  ].join('\r\n');
}
