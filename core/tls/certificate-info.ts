/** What the certificate code needs to know about a PEM chain, read with node:crypto (no sockets). */
import { X509Certificate, createPrivateKey } from 'node:crypto';

export class CertificateError extends Error {}

export interface CertificateInfo {
  /** DNS names of the leaf's subjectAltName (lower case). */
  names: string[];
  notBefore: Date;
  notAfter: Date;
  /** Issued by itself (the node's generated development certificate, or an imported test one). */
  selfSigned: boolean;
  /** SHA-256 fingerprint of the leaf, `AB:CD:...`, as clients show it. */
  fingerprint256: string;
  issuer: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM chain, leaf first. */
export function splitPemChain(chainPem: string): string[] {
  return chainPem.match(PEM_BLOCK) ?? [];
}

function leafOf(chainPem: string): X509Certificate {
  const [leaf] = splitPemChain(chainPem);
  if (!leaf) throw new CertificateError('no PEM certificate found');
  try {
    return new X509Certificate(leaf);
  } catch (error) {
    throw new CertificateError(`the certificate cannot be parsed: ${(error as Error).message}`);
  }
}

export function describeCertificate(chainPem: string): CertificateInfo {
  const leaf = leafOf(chainPem);
  const names = (leaf.subjectAltName ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
  return {
    names,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    // Not checkIssued(): OpenSSL also demands keyCertSign there, which a self-signed leaf may lack.
    selfSigned: leaf.issuer === leaf.subject && leaf.verify(leaf.publicKey),
    fingerprint256: leaf.fingerprint256,
    issuer: leaf.issuer,
  };
}

/** Throws unless `keyPem` is a private key and the leaf of `chainPem` is its certificate. */
export function checkKeyPair(chainPem: string, keyPem: string): void {
  const leaf = leafOf(chainPem);
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new CertificateError(`the private key cannot be parsed: ${(error as Error).message}`);
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new CertificateError('the private key does not belong to the certificate');
  }
}

/** True when the certificate's names cover `name` (exactly, or by a one-label wildcard). */
export function coversName(certNames: readonly string[], name: string): boolean {
  const wanted = name.toLowerCase();
  return certNames.some((certName) => {
    if (certName === wanted) return true;
    if (!certName.startsWith('*.')) return false;
    const dot = wanted.indexOf('.');
    return dot > 0 && wanted.slice(dot + 1) === certName.slice(2);
  });
}
