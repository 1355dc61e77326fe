import { dkimSign } from 'mailauth';
import type { DkimSigningKey } from './dkim-keys';

/** The domain of the first address in the From: header (DMARC alignment), or null. */
export function fromHeaderDomain(message: Buffer): string | null {
  const end = message.indexOf('\r\n\r\n');
  const header = message.subarray(0, end < 0 ? message.length : end).toString('utf8');
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const line = /^from:(.*)$/im.exec(unfolded)?.[1];
  if (!line) return null;
  const match = /<[^<>@\s]+@([^<>\s]+)>/.exec(line) ?? /[^\s<>,;:"]+@([A-Za-z0-9.-]+)/.exec(line);
  return match ? match[1].toLowerCase().replace(/\.$/, '') : null;
}

/**
 * Signs with the key of the From: domain (or the envelope sender's domain), relaxed/relaxed,
 * rsa-sha256. Returns the message with the DKIM-Signature header prepended, or unchanged when
 * neither domain has a key.
 */
export async function signMessage(
  message: Buffer,
  mailFrom: string,
  keyFor: (domain: string) => Promise<DkimSigningKey | null>,
): Promise<Buffer> {
  const candidates = [
    fromHeaderDomain(message),
    mailFrom.includes('@') ? mailFrom.split('@').pop()!.toLowerCase() : null,
  ];
  for (const domain of candidates) {
    if (!domain) continue;
    const key = await keyFor(domain);
    if (!key) continue;
    // Signed by this domain already (a list copy, whose signature covers List-Unsubscribe-Post):
    // a second signature with the default header list would add nothing.
    if (signedBy(message, key.domain)) return message;
    // mailauth reads `signatureData` (its bundled typings describe an older flat shape).
    const options = {
      canonicalization: 'relaxed/relaxed',
      algorithm: 'rsa-sha256',
      signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey }],
    };
    const result = await dkimSign(message, options as unknown as Parameters<typeof dkimSign>[1]);
    if (result.errors?.length) throw new Error(`DKIM signing failed: ${String(result.errors[0])}`);
    return Buffer.concat([Buffer.from(result.signatures, 'utf8'), message]);
  }
  return message;
}

/** Whether the header has a DKIM-Signature with d=`domain`. */
function signedBy(message: Buffer, domain: string): boolean {
  const end = message.indexOf('\r\n\r\n');
  const header = message.subarray(0, end < 0 ? message.length : end).toString('latin1');
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const wanted = domain.toLowerCase();
  for (const match of unfolded.matchAll(/^dkim-signature:(.*)$/gim)) {
    const d = /(?:^|;)\s*d\s*=\s*([^;\s]+)/i.exec(match[1])?.[1];
    if (d?.toLowerCase() === wanted) return true;
  }
  return false;
}
