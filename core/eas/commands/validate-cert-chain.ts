/**
 * Certificate validation for ValidateCert (MS-ASCMD §2.2.3.177.18), with node:crypto's
 * X509Certificate: the leaf's validity period and e-mail purpose, then a chain walked through
 * the client's CertificateChain up to a trust anchor (the system trust store, node:tls
 * rootCertificates, unless other anchors are given). CheckCRL is not acted on: no revocation
 * lists or OCSP are fetched (the server makes no outbound calls for this).
 */
import { X509Certificate } from 'node:crypto';
import { systemRootCertificates as rootCertificates } from '../../adapters/local/system-trust';

export const CertStatus = {
  Valid: 1,
  ProtocolError: 2,
  BadSignature: 3,
  Untrusted: 4,
  BadChain: 5,
  NotForEmail: 6,
  Expired: 7,
  Failure: 17,
} as const;

/** Longest chain walked (leaf included). */
const MAX_DEPTH = 10;
const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
const ANY_PURPOSE = '2.5.29.37.0';

let systemRoots: X509Certificate[] | null = null;
function system(): X509Certificate[] {
  systemRoots ??= rootCertificates.flatMap((pem) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      return [];
    }
  });
  return systemRoots;
}

/** A base64 DER (or PEM) certificate, or null when it does not parse. */
export function parseCertificate(text: string): X509Certificate | null {
  try {
    const trimmed = text.trim();
    return new X509Certificate(trimmed.startsWith('-----') ? trimmed : Buffer.from(trimmed, 'base64'));
  } catch {
    return null;
  }
}

const current = (c: X509Certificate, now: Date) => new Date(c.validFrom) <= now && now <= new Date(c.validTo);
/** By name and signature only: key usage and CA flags are judged separately (BadChain). */
const names = (c: X509Certificate, issuer: X509Certificate) => c.issuer === issuer.subject;
const signedBy = (c: X509Certificate, issuer: X509Certificate) => {
  try {
    return names(c, issuer) && c.verify(issuer.publicKey);
  } catch {
    return false;
  }
};
const sameCert = (a: X509Certificate, b: X509Certificate) => a.fingerprint256 === b.fingerprint256;

export function validateCertificate(
  leaf: X509Certificate,
  chain: X509Certificate[],
  options: { anchors?: X509Certificate[]; now?: Date } = {},
): number {
  const anchors = options.anchors ?? system();
  const now = options.now ?? new Date();
  if (!current(leaf, now)) return CertStatus.Expired;
  const purposes = leaf.keyUsage;
  if (
    purposes &&
    purposes.length > 0 &&
    !purposes.includes(EMAIL_PROTECTION) &&
    !purposes.includes(ANY_PURPOSE)
  )
    return CertStatus.NotForEmail;
  let cert = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (anchors.some((a) => sameCert(a, cert) || (a.ca && signedBy(cert, a)))) return CertStatus.Valid;
    const issuer = chain.find((c) => !sameCert(c, cert) && signedBy(cert, c));
    if (!issuer) {
      // A self-signed root nobody here trusts; or a named issuer whose signature does not
      // check out (a forged or damaged certificate).
      if (signedBy(cert, cert)) return CertStatus.Untrusted;
      const named = [...chain, ...anchors].some((c) => !sameCert(c, cert) && names(cert, c));
      if (named) return CertStatus.BadSignature;
      return CertStatus.Untrusted;
    }
    if (!issuer.ca) return CertStatus.BadChain;
    if (!current(issuer, now)) return CertStatus.Expired;
    cert = issuer;
  }
  return CertStatus.BadChain;
}
