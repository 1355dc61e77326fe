import { dkimSign, sealMessage } from 'mailauth';
import type { DkimSigningKey } from '../../dkim/dkim-keys';
import { fieldName, fieldValue, splitMessage } from './header-block';

/**
 * Fields the list's DKIM signature covers. RFC 8058 §3.1 requires List-Unsubscribe and
 * List-Unsubscribe-Post to be signed (a receiver ignores one-click otherwise); From is always
 * present. Only fields present in the copy end up in h=.
 */
export const LIST_SIGNED_FIELDS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Help',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'List-Subscribe',
  'List-Post',
  'List-Owner',
  'List-Archive',
  'Archived-At',
  'Precedence',
];

/**
 * Fields the ARC-Message-Signature covers: the list fields of the base copy, but not the
 * per-member List-Unsubscribe pair nor a DKIM-Signature added after sealing. One seal on the base
 * copy therefore stays valid on every member's copy (three RSA signatures per post, not per member).
 */
const ARC_SIGNED_FIELDS = [
  ...LIST_SIGNED_FIELDS.filter((f) => !f.startsWith('List-Unsubscribe')),
  'DKIM-Signature',
];

/** Prepends the list domain's DKIM-Signature (relaxed/relaxed, rsa-sha256). */
export async function dkimSignCopy(message: Buffer, key: DkimSigningKey, signTime?: Date): Promise<Buffer> {
  const options = {
    canonicalization: 'relaxed/relaxed',
    algorithm: 'rsa-sha256',
    // A string: mailauth ignores an array here and falls back to its own list.
    headerList: LIST_SIGNED_FIELDS.join(':'),
    signTime,
    signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey }],
  };
  // mailauth reads `signatureData` (its bundled typings describe an older flat shape).
  const result = await dkimSign(message, options as unknown as Parameters<typeof dkimSign>[1]);
  if (result.errors?.length) throw new Error(`DKIM signing failed: ${String(result.errors[0])}`);
  return Buffer.concat([Buffer.from(result.signatures, 'utf8'), message]);
}

/**
 * Adds the next ARC set (RFC 8617): ARC-Authentication-Results carries what our MX found when
 * the post arrived (its Authentication-Results on top of the stored post), cv= is "none" for the
 * first hop, else the chain result our MX reported (arc=pass → pass, anything else → fail).
 */
export async function arcSeal(message: Buffer, key: DkimSigningKey, signTime?: Date): Promise<Buffer> {
  const { fields } = splitMessage(message);
  const ours = fields.find((f) => fieldName(f) === 'authentication-results');
  const authResults = ours ? fieldValue(ours) : `${key.domain}; none`;
  const hasChain = fields.some((f) => fieldName(f) === 'arc-seal');
  let cv: 'none' | 'pass' | 'fail' = 'none';
  if (hasChain) cv = /\barc=pass\b/i.test(authResults) ? 'pass' : 'fail';
  const headers = await sealMessage(message, {
    signingDomain: key.domain,
    selector: key.selector,
    privateKey: key.privateKey,
    headerList: ARC_SIGNED_FIELDS.join(':'),
    authResults,
    cv,
    signTime,
  } as unknown as Parameters<typeof sealMessage>[1]);
  return Buffer.concat([headers, message]);
}
