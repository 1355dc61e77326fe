/** Messages and literal helpers for the differential scripts. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const MIME_DIR = path.join(__dirname, '../../fixtures/mime');

/** The MIME fixtures by name (without .eml), with CRLF line ends except `bare-lf`, kept as stored. */
export const MIME: Record<string, string> = Object.fromEntries(
  readdirSync(MIME_DIR)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => {
      const raw = readFileSync(path.join(MIME_DIR, f)).toString('latin1');
      const name = f.replace(/\.eml$/, '');
      return [name, name === 'bare-lf' ? raw : raw.replace(/\r?\n/g, '\r\n')];
    }),
);

export const MIME_NAMES = Object.keys(MIME);

/** A synchronising literal of `data` (a latin1 "byte string"). */
export const lit = (data: string): string => `{${data.length}}\r\n${data}`;
/** A non-synchronising literal (LITERAL+). */
export const litPlus = (data: string): string => `{${data.length}+}\r\n${data}`;
/** UTF-8 text as the latin1 byte string the wire client sends. */
export const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

export interface MessageSpec {
  subject?: string;
  from?: string;
  to?: string;
  cc?: string;
  date?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  body?: string;
  extraHeaders?: string[];
}

/** A small text message with the given headers (CRLF). */
export function message(m: MessageSpec): string {
  const headers = [
    `From: ${m.from ?? 'Sender <sender@example.org>'}`,
    `To: ${m.to ?? 'rcpt@example.test'}`,
    ...(m.cc ? [`Cc: ${m.cc}`] : []),
    `Subject: ${m.subject ?? 'test'}`,
    `Date: ${m.date ?? 'Mon, 01 Jan 2024 10:00:00 +0000'}`,
    ...(m.messageId ? [`Message-ID: ${m.messageId}`] : []),
    ...(m.inReplyTo ? [`In-Reply-To: ${m.inReplyTo}`] : []),
    ...(m.references ? [`References: ${m.references}`] : []),
    ...(m.extraHeaders ?? []),
  ];
  return `${headers.join('\r\n')}\r\n\r\n${m.body ?? 'body text\r\n'}`;
}

/** `APPEND mailbox (flags) "date" {n+}…` — dates fixed so SEARCH/SORT by date compare. */
export function append(
  mailbox: string,
  data: string,
  flags = '',
  date = '01-Jan-2024 10:00:00 +0000',
): string {
  return `APPEND ${mailbox} ${flags ? `(${flags}) ` : ''}"${date}" ${litPlus(data)}`;
}

/** An INTERNALDATE n days after 2024-01-01 (for SORT ARRIVAL / SEARCH SINCE). */
export function day(n: number): string {
  const d = new Date(Date.UTC(2024, 0, 1 + n, 10, 0, 0));
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${String(d.getUTCDate()).padStart(2, '0')}-${months[d.getUTCMonth()]}-${d.getUTCFullYear()} 10:00:00 +0000`;
}
