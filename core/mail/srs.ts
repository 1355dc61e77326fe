import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The Sender Rewriting Scheme (SRS0, as libsrs2/postsrsd write it), so mail we forward passes
 * the next hop's SPF check: the envelope sender becomes an address at our forwarding domain that
 * only we can mint, and a bounce sent to it is routed back to the original sender.
 *
 *   SRS0=HHHH=TT=example.org=alice@forwarder.example
 *
 * HHHH: the first 4 base64 characters of HMAC-SHA1(secret, lower(TT + domain + local));
 * TT: day number modulo 1024 in base32, so an address is honoured for MAX_AGE_DAYS only.
 */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const DAY_MS = 86_400_000;
const TIMESTAMP_CYCLE = 1024;
const MAX_AGE_DAYS = 21;
const HASH_LENGTH = 4;

export class Srs {
  constructor(private readonly secret: Buffer) {}

  /** The rewritten sender for mail forwarded via `forwardDomain`; null senders stay null. */
  forward(sender: string, forwardDomain: string, now = new Date()): string {
    if (sender === '') return '';
    const at = sender.lastIndexOf('@');
    if (at < 1) return sender;
    const local = sender.slice(0, at);
    const domain = sender.slice(at + 1);
    const timestamp = encodeDay(now);
    return `SRS0=${this.hash(timestamp, domain, local)}=${timestamp}=${domain}=${local}@${forwardDomain}`;
  }

  /** The original sender behind an SRS0 local part, or null if it is not ours, forged or too old. */
  reverse(localPart: string, now = new Date()): string | null {
    const match = /^SRS0[=+-]([^=]+)=([^=]{2})=([^=]+)=(.+)$/i.exec(localPart);
    if (!match) return null;
    const [, hash, timestamp, domain, local] = match;
    const expected = Buffer.from(this.hash(timestamp, domain, local).toLowerCase());
    const given = Buffer.from(hash.toLowerCase());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const age = ageInDays(timestamp, now);
    if (age === null || age > MAX_AGE_DAYS) return null;
    return `${local}@${domain}`;
  }

  private hash(timestamp: string, domain: string, local: string): string {
    return createHmac('sha1', this.secret)
      .update(`${timestamp}${domain}${local}`.toLowerCase())
      .digest('base64')
      .slice(0, HASH_LENGTH);
  }
}

/** Whether a local part looks like an SRS address (then it is ours to check, not a mailbox). */
export const isSrsLocalPart = (localPart: string): boolean => /^SRS[01][=+-]/i.test(localPart);

/** A key for SRS derived from the installation's secret key (one secret to manage). */
export function srsFromSecretKey(secretKey: Buffer): Srs {
  return new Srs(createHmac('sha256', secretKey).update('nimbus srs v1').digest());
}

function encodeDay(now: Date): string {
  const day = Math.floor(now.getTime() / DAY_MS) % TIMESTAMP_CYCLE;
  return BASE32[day >> 5] + BASE32[day & 31];
}

function ageInDays(timestamp: string, now: Date): number | null {
  const high = BASE32.indexOf(timestamp[0].toUpperCase());
  const low = BASE32.indexOf(timestamp[1].toUpperCase());
  if (high < 0 || low < 0) return null;
  const then = (high << 5) | low;
  const today = Math.floor(now.getTime() / DAY_MS) % TIMESTAMP_CYCLE;
  return (today - then + TIMESTAMP_CYCLE) % TIMESTAMP_CYCLE;
}
