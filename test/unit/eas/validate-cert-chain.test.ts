/**
 * ValidateCert's chain check (core/eas/commands/validate-cert-chain.ts) on real certificates made
 * with selfsigned: trusted through a given anchor, untrusted without one, a forged signature,
 * an expired leaf, a leaf not meant for e-mail, and bytes that are no certificate.
 */
import { X509Certificate } from 'node:crypto';
import selfsigned from 'selfsigned';
import {
  CertStatus,
  parseCertificate,
  validateCertificate,
} from '../../../core/eas/commands/validate-cert-chain';

interface Pem {
  cert: string;
  key: string;
}

async function ca(name: string): Promise<Pem> {
  const p = await selfsigned.generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 3650 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true },
    ],
  });
  return { cert: p.cert, key: p.private };
}

async function leafPem(
  options: { issuer?: Pem; email?: boolean; notAfter?: Date; notBefore?: Date } = {},
): Promise<Pem> {
  const p = await selfsigned.generate([{ name: 'commonName', value: 'alice@example.org' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: options.notBefore ?? new Date(Date.now() - 86400_000),
    notAfterDate: options.notAfter ?? new Date(Date.now() + 90 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      options.email === false
        ? { name: 'extKeyUsage', serverAuth: true }
        : { name: 'extKeyUsage', emailProtection: true },
    ],
    ...(options.issuer ? { ca: { key: options.issuer.key, cert: options.issuer.cert } } : {}),
  });
  return { cert: p.cert, key: p.private };
}

const leaf = async (options: Parameters<typeof leafPem>[0] = {}) =>
  new X509Certificate((await leafPem(options)).cert);

const x509 = (pem: Pem) => new X509Certificate(pem.cert);

describe('validateCertificate', () => {
  let root: Pem;
  beforeAll(async () => {
    root = await ca('Nimbus S/MIME Test CA');
  }, 30_000);

  it('accepts a leaf signed by a trusted anchor, directly or through the given chain', async () => {
    const cert = await leaf({ issuer: root });
    expect(validateCertificate(cert, [], { anchors: [x509(root)] })).toBe(CertStatus.Valid);
    expect(validateCertificate(cert, [x509(root)], { anchors: [x509(root)] })).toBe(CertStatus.Valid);
  });

  it('calls a self-signed leaf and an unknown issuer untrusted (the system trust by default)', async () => {
    const self = await leaf();
    expect(validateCertificate(self, [])).toBe(CertStatus.Untrusted);
    const cert = await leaf({ issuer: root });
    expect(validateCertificate(cert, [x509(root)])).toBe(CertStatus.Untrusted);
    expect(validateCertificate(cert, [], { anchors: [] })).toBe(CertStatus.Untrusted);
  });

  it('reports a signature that does not check out against the named issuer', async () => {
    const impostor = await ca('Nimbus S/MIME Test CA'); // same name, other key
    const cert = await leaf({ issuer: root });
    expect(validateCertificate(cert, [x509(impostor)], { anchors: [x509(impostor)] })).toBe(
      CertStatus.BadSignature,
    );
  });

  it('reports expired and not-yet-valid certificates, and leaves not meant for e-mail', async () => {
    const expired = await leaf({
      issuer: root,
      notBefore: new Date(Date.now() - 10 * 86400_000),
      notAfter: new Date(Date.now() - 86400_000),
    });
    expect(validateCertificate(expired, [], { anchors: [x509(root)] })).toBe(CertStatus.Expired);
    const cert = await leaf({ issuer: root });
    expect(
      validateCertificate(cert, [], { anchors: [x509(root)], now: new Date(Date.now() + 365 * 86400_000) }),
    ).toBe(CertStatus.Expired);
    const server = await leaf({ issuer: root, email: false });
    expect(validateCertificate(server, [], { anchors: [x509(root)] })).toBe(CertStatus.NotForEmail);
  });

  it('refuses a chain through a certificate that is no CA', async () => {
    const notCa = await leafPem({ issuer: root });
    const cert = await leaf({ issuer: notCa });
    expect(validateCertificate(cert, [x509(notCa)], { anchors: [x509(root)] })).toBe(CertStatus.BadChain);
  });

  it('reads base64 DER and PEM, and nothing else', () => {
    const der = new X509Certificate(root.cert).raw.toString('base64');
    expect(parseCertificate(der)?.subject).toContain('Nimbus S/MIME Test CA');
    expect(parseCertificate(root.cert)?.subject).toContain('Nimbus S/MIME Test CA');
    expect(parseCertificate('bm90IGEgY2VydGlmaWNhdGU=')).toBeNull();
    expect(parseCertificate('')).toBeNull();
  });
});
