/**
 * Tokens mailed and linked by the lists: HMAC-SHA256 over the claim and its expiry, compared in
 * constant time. They appear in URLs and in local parts (LIST-confirm+TOKEN@), where case may not
 * survive, so they are lower-case hex and base36 joined by '-':
 *   c-<nonce>-<exp>-<mac>            a pending (un)subscription, looked up by its hash
 *   u-<list>-<member>-<exp>-<mac>    one-click unsubscribe, bound to list and member
 *   m-<held>-<exp>-<mac>             a moderator's decision on one held post
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenClaim =
  | { kind: 'confirm'; nonce: string }
  | { kind: 'unsubscribe'; listId: string; memberId: string }
  | { kind: 'moderate'; heldId: string };

export interface ParsedToken {
  claim: TokenClaim;
  /** Seconds since the epoch. */
  expires: number;
  mac: string;
  /** The part covered by the MAC. */
  signed: string;
}

const MAC_HEX = 32;
const MAX_TOKEN = 200;
const ID = /^[0-9a-z]{1,13}$/;

function mac(secret: Buffer, signed: string): string {
  return createHmac('sha256', secret).update(signed).digest('hex').slice(0, MAC_HEX);
}

const id36 = (id: string) => BigInt(id).toString(36);
const idFrom36 = (text: string) =>
  [...text].reduce((n, c) => n * 36n + BigInt(parseInt(c, 36)), 0n).toString();

function claimText(claim: TokenClaim): string {
  switch (claim.kind) {
    case 'confirm':
      return `c-${claim.nonce}`;
    case 'unsubscribe':
      return `u-${id36(claim.listId)}-${id36(claim.memberId)}`;
    case 'moderate':
      return `m-${id36(claim.heldId)}`;
  }
}

export function issueToken(secret: Buffer, claim: TokenClaim, expiresAt: Date): string {
  const signed = `${claimText(claim)}-${Math.floor(expiresAt.getTime() / 1000).toString(36)}`;
  return `${signed}-${mac(secret, signed)}`;
}

/**
 * A fresh confirmation token, Mailman's way: 128 random bits the database knows (by hash, with
 * its expiry), with no MAC or expiry of its own, so `LIST-confirm+TOKEN@` stays within the 64
 * octets of a local part (RFC 5321 §4.5.3.1.1) that MTAs, ours included, enforce.
 */
export function newConfirmToken(): string {
  return `c-${BigInt(`0x${randomBytes(16).toString('hex')}`).toString(36)}`;
}

/** A short confirmation token (newConfirmToken); its only proof is the database row. */
const SHORT_CONFIRM = /^c-([0-9a-z]{10,30})$/;

/** What the database keeps of a token (never the token itself). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token.toLowerCase()).digest('hex');
}

/** The syntax of a token, or null (no MAC check). Faces the network. */
export function parseToken(text: string): ParsedToken | null {
  if (text.length > MAX_TOKEN) return null;
  const short = SHORT_CONFIRM.exec(text.toLowerCase());
  if (short) return { claim: { kind: 'confirm', nonce: short[1] }, expires: Infinity, mac: '', signed: '' };
  const parts = text.toLowerCase().split('-');
  const tail = parts.slice(-2);
  if (tail.length !== 2 || !/^[0-9a-f]{32}$/.test(tail[1]) || !/^[0-9a-z]{1,10}$/.test(tail[0])) return null;
  const head = parts.slice(0, -2);
  let claim: TokenClaim;
  if (head[0] === 'c' && head.length === 2 && /^[0-9a-f]{8,64}$/.test(head[1]))
    claim = { kind: 'confirm', nonce: head[1] };
  else if (head[0] === 'u' && head.length === 3 && ID.test(head[1]) && ID.test(head[2]))
    claim = { kind: 'unsubscribe', listId: idFrom36(head[1]), memberId: idFrom36(head[2]) };
  else if (head[0] === 'm' && head.length === 2 && ID.test(head[1]))
    claim = { kind: 'moderate', heldId: idFrom36(head[1]) };
  else return null;
  return {
    claim,
    expires: parseInt(tail[0], 36),
    mac: tail[1],
    signed: parts.slice(0, -1).join('-'),
  };
}

/** The claim of a genuine, unexpired token; null for anything else. */
export function verifyToken(secret: Buffer, text: string, now: Date): TokenClaim | null {
  const parsed = parseToken(text);
  if (!parsed) return null;
  // A short confirmation token is checked against the database (hash and expiry) by the caller.
  if (parsed.mac === '' && parsed.claim.kind === 'confirm') return parsed.claim;
  const expected = Buffer.from(mac(secret, parsed.signed), 'utf8');
  const given = Buffer.from(parsed.mac, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  if (parsed.expires * 1000 <= now.getTime()) return null;
  return parsed.claim;
}
