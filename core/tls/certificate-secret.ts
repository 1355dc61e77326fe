/**
 * The JSON stored in the TLS certificate secret (`nimbus-<stage>/tls-certificate`):
 *
 *   {"cert": "<leaf + intermediates, PEM>", "key": "<private key, PEM>"}
 *
 * `certificate` / `privateKey` are accepted as aliases when reading. Parsing checks that the
 * PEMs are well-formed and that the key belongs to the leaf, so a bad secret version is refused
 * here, before it can replace a working certificate.
 */
import { CertificateError, checkKeyPair } from './certificate-info';

export interface CertificatePems {
  certPem: string;
  keyPem: string;
}

export function parseCertificateSecret(text: string): CertificatePems {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CertificateError('the TLS secret is not JSON (expected {"cert": "...", "key": "..."})');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CertificateError('the TLS secret is not a JSON object (expected {"cert", "key"})');
  }
  const record = value as Record<string, unknown>;
  const certPem = record.cert ?? record.certificate;
  const keyPem = record.key ?? record.privateKey;
  if (typeof certPem !== 'string' || typeof keyPem !== 'string') {
    throw new CertificateError('the TLS secret lacks string fields "cert" and "key"');
  }
  checkKeyPair(certPem, keyPem);
  return { certPem, keyPem };
}

export function formatCertificateSecret(pems: CertificatePems): string {
  return JSON.stringify({ cert: pems.certPem, key: pems.keyPem });
}
