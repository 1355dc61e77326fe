/**
 * The message as Sieve tests see it: header fields that editheader may change (RFC 5293 §3:
 * later tests see the edits), RFC 2047-decoded values for comparisons (RFC 5228 §2.7.2), and
 * address parts (RFC 5228 §2.7.4, subaddress RFC 5233).
 */
import libmime from 'libmime';
import { parseAddressList } from '../mime/address-list';
import { decodeHeaderValue } from '../mime/decode-header';
import { readHeader } from '../mime/header-parser';

export interface Field {
  name: string;
  /** Unfolded value, not decoded. */
  value: string;
  /** Original bytes; null for a field addheader created. */
  raw: Buffer | null;
}

export class MessageView {
  fields: Field[];
  readonly body: Buffer;
  edited = false;

  constructor(readonly raw: Buffer) {
    const header = readHeader(raw, 0, raw.length);
    this.fields = header.fields.map((f) => ({ name: f.name, value: f.value, raw: f.raw }));
    this.body = raw.subarray(header.bodyStart);
  }

  /** Unfolded, undecoded values of every field with this name, in message order. */
  values(name: string): string[] {
    const wanted = name.toLowerCase();
    return this.fields.filter((f) => f.name.toLowerCase() === wanted).map((f) => f.value);
  }

  decoded(name: string): string[] {
    return this.values(name).map((v) => decodeHeaderValue(v).trim());
  }

  exists(name: string): boolean {
    const wanted = name.toLowerCase();
    return this.fields.some((f) => f.name.toLowerCase() === wanted);
  }

  add(name: string, value: string, last: boolean): void {
    const field = { name, value, raw: null };
    if (last) this.fields.push(field);
    else this.fields.unshift(field);
    this.edited = true;
  }

  remove(indexes: Set<number>): void {
    if (indexes.size === 0) return;
    this.fields = this.fields.filter((_, i) => !indexes.has(i));
    this.edited = true;
  }

  /** The message with the edited header and the original body. */
  serialize(): Buffer {
    const parts = this.fields.map((f) => f.raw ?? Buffer.from(`${f.name}: ${encodeValue(f.value)}\r\n`));
    return Buffer.concat([...parts, Buffer.from('\r\n'), this.body]);
  }
}

/** RFC 5293 §4: a non-ASCII value is stored as RFC 2047 encoded-words. */
function encodeValue(value: string): string {
  return /^[\x00-\x7f]*$/.test(value) ? value : libmime.encodeWords(value, 'Q', 52, 'utf-8');
}

export interface MailAddress {
  localpart: string;
  domain: string;
}

const MISSING = new Set(['MISSING_MAILBOX', 'MISSING_DOMAIN']);

/** Mailboxes in an address header; group markers are skipped. */
export function headerAddresses(value: string): MailAddress[] {
  const list = parseAddressList(value) ?? [];
  return list
    .filter((a) => a.host !== null && a.mailbox !== null)
    .map((a) => ({
      localpart: MISSING.has(a.mailbox ?? '') ? '' : (a.mailbox ?? ''),
      domain: MISSING.has(a.host ?? '') ? '' : (a.host ?? ''),
    }));
}

/** An envelope address ("user@host", maybe in angle brackets). */
export function envelopeAddress(value: string): MailAddress | null {
  const bare = value.trim().replace(/^<(.*)>$/, '$1');
  if (bare === '') return null;
  const at = bare.lastIndexOf('@');
  return at < 0
    ? { localpart: bare, domain: '' }
    : { localpart: bare.slice(0, at), domain: bare.slice(at + 1) };
}

export type AddressPart = 'all' | 'localpart' | 'domain' | 'user' | 'detail';

/** RFC 5233 separator. */
const SUBADDRESS_SEPARATOR = '+';

/** The part an ADDRESS-PART asks for, or null when it does not exist (no detail). */
export function addressPart(address: MailAddress, part: AddressPart): string | null {
  const { localpart, domain } = address;
  const sep = localpart.indexOf(SUBADDRESS_SEPARATOR);
  switch (part) {
    case 'all':
      return domain ? `${localpart}@${domain}` : localpart;
    case 'localpart':
      return localpart;
    case 'domain':
      return domain;
    case 'user':
      return sep < 0 ? localpart : localpart.slice(0, sep);
    case 'detail':
      return sep < 0 ? null : localpart.slice(sep + 1);
  }
}

export function addressPartOf(tags: Record<string, unknown>): AddressPart {
  return (['localpart', 'domain', 'user', 'detail'] as const).find((p) => tags[p] === true) ?? 'all';
}
