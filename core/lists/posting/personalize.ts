import type { DkimSigningKey } from '../../dkim/dkim-keys';
import { issueToken } from '../tokens';
import { unsubscribeFields } from './list-headers';
import { dkimSignCopy } from './sign';
import type { PostingList } from './types';

/** How long a one-click link in a delivered post keeps working. */
const ONE_CLICK_DAYS = 365;

/** The base copy cut once at its header end, so each member's copy is two concatenations. */
export interface SplitBase {
  header: Buffer;
  body: Buffer;
}

export function splitBase(base: Buffer): SplitBase {
  const end = base.indexOf('\r\n\r\n');
  if (end < 0) return { header: Buffer.concat([base, Buffer.from('\r\n')]), body: Buffer.alloc(0) };
  return { header: base.subarray(0, end + 2), body: base.subarray(end + 2) };
}

/** The RFC 8058 one-click URL of a member (a signed token bound to list and member). */
export function oneClickUrl(
  webBase: string,
  secret: Buffer,
  listId: string,
  memberId: string,
  now: Date,
): string {
  const token = issueToken(
    secret,
    { kind: 'unsubscribe', listId, memberId },
    new Date(now.getTime() + ONE_CLICK_DAYS * 86_400_000),
  );
  return `${webBase.replace(/\/+$/, '')}/webmail/lists/unsubscribe/${token}`;
}

/**
 * One member's copy: the base copy with that member's List-Unsubscribe and
 * List-Unsubscribe-Post, DKIM-signed by the list domain over both (RFC 8058 §3.1). Per-member
 * copies are what Gmail and Yahoo expect (the header identifies the recipient, no lookup from
 * the envelope); the cost is one RSA signature per member, measured in bench/list-fanout.ts.
 */
export async function memberCopy(
  base: SplitBase,
  list: PostingList,
  url: string,
  key: DkimSigningKey | null,
  signTime?: Date,
): Promise<Buffer> {
  const fields = Buffer.from(
    unsubscribeFields(list, url)
      .map((f) => f + '\r\n')
      .join(''),
    'latin1',
  );
  const copy = Buffer.concat([base.header, fields, base.body]);
  return key ? dkimSignCopy(copy, key, signTime) : copy;
}
