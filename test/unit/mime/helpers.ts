import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Address, BodyPart, ByteRange, Envelope } from '../../../core/mime';

const FIXTURES = join(__dirname, '../../fixtures/mime');

/**
 * Fixtures are stored with LF line ends so that git's end-of-line handling cannot change
 * them; they are turned into CRLF messages here unless the test is about bare LF.
 */
export function loadFixture(name: string, lineEnds: 'crlf' | 'raw' = 'crlf'): Buffer {
  const raw = readFileSync(join(FIXTURES, `${name}.eml`));
  if (lineEnds === 'raw') return raw;
  return Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

export function crlf(text: string): Buffer {
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'));
}

export function cut(raw: Buffer, range: ByteRange | { start: number; end: number } | null): string {
  if (!range) throw new Error('no range');
  return raw.subarray(range.start, range.end).toString();
}

export function part(raw: Buffer, p: BodyPart): { mime: string; body: string } {
  return {
    mime: cut(raw, { start: p.headerStart, end: p.bodyStart }),
    body: cut(raw, { start: p.bodyStart, end: p.bodyEnd }),
  };
}

// A minimal non-extensible BODYSTRUCTURE/ENVELOPE writer, only to compare our data with
// the strings published in RFC 3501 and produced by Dovecot for the same input.
const str = (v: string | null): string => (v === null ? 'NIL' : `"${v.replace(/(["\\])/g, '\\$1')}"`);
const list = (items: string[]): string => (items.length ? `(${items.join(' ')})` : 'NIL');
const addresses = (a: Address[] | null): string =>
  a ? `(${a.map((x) => `(${[x.name, x.adl, x.mailbox, x.host].map(str).join(' ')})`).join('')})` : 'NIL';

export function envelopeString(e: Envelope): string {
  const { date, subject, from, sender, replyTo, to, cc, bcc, inReplyTo, messageId } = e;
  return `(${[str(date), str(subject), ...[from, sender, replyTo, to, cc, bcc].map(addresses), str(inReplyTo), str(messageId)].join(' ')})`;
}

export function bodyString(p: BodyPart): string {
  if (p.kind === 'multipart') return `(${p.parts.map(bodyString).join('')} ${str(p.subtype)})`;
  const params = list(p.params.flatMap(([k, v]) => [str(k), str(v)]));
  const fields = [
    str(p.type),
    str(p.subtype),
    params,
    str(p.id),
    str(p.description),
    str(p.encoding),
    String(p.size),
  ];
  if (p.kind === 'text') fields.push(String(p.lines));
  if (p.kind === 'message') {
    fields.push(envelopeString(p.message.envelope), bodyString(p.message.body), String(p.lines));
  }
  return `(${fields.join(' ')})`;
}
