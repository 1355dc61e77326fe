import { CertificateError, coversName, describeCertificate } from '../../../core/tls/certificate-info';
import { formatCertificateSecret, parseCertificateSecret } from '../../../core/tls/certificate-secret';
import { makeTestCa, makeTestLeaf, type TestCertificate } from '../../helpers/test-certificates';

describe('TLS certificate secret (JSON {"cert","key"})', () => {
  let ca: TestCertificate;
  let leaf: TestCertificate;
  let other: TestCertificate;
  beforeAll(async () => {
    ca = await makeTestCa();
    leaf = await makeTestLeaf({ names: ['mail.example.test', 'imap.example.test'], ca });
    other = await makeTestLeaf({ names: ['other.example.test'] });
  });

  it('round-trips a certificate chain and its key', () => {
    const text = formatCertificateSecret(leaf);
    expect(JSON.parse(text)).toEqual({ cert: leaf.certPem, key: leaf.keyPem });
    expect(parseCertificateSecret(text)).toEqual(leaf);
  });

  it('accepts the "certificate"/"privateKey" spelling', () => {
    const text = JSON.stringify({ certificate: leaf.certPem, privateKey: leaf.keyPem });
    expect(parseCertificateSecret(text)).toEqual(leaf);
  });

  it.each([
    ['not JSON', 'hunter2-random-initial-value', /not JSON/],
    ['a JSON array', '[]', /not a JSON object/],
    ['missing fields', '{"cert": "x"}', /lacks string fields/],
    [
      'a PEM that is no certificate',
      JSON.stringify({ cert: 'garbage', key: 'garbage' }),
      /no PEM certificate/,
    ],
  ])('refuses %s', (_, text, message) => {
    expect(() => parseCertificateSecret(text)).toThrow(CertificateError);
    expect(() => parseCertificateSecret(text)).toThrow(message);
  });

  it('refuses a key that belongs to another certificate', () => {
    const text = formatCertificateSecret({ certPem: leaf.certPem, keyPem: other.keyPem });
    expect(() => parseCertificateSecret(text)).toThrow(/does not belong/);
  });

  it('refuses a key that is not a key', () => {
    const text = formatCertificateSecret({
      certPem: leaf.certPem,
      keyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    });
    expect(() => parseCertificateSecret(text)).toThrow(/private key cannot be parsed/);
  });

  it('describes the leaf of a chain: names, issuer, self-signed or not', () => {
    const info = describeCertificate(leaf.certPem);
    expect(info.names).toEqual(['mail.example.test', 'imap.example.test']);
    expect(info.selfSigned).toBe(false);
    expect(info.issuer).toContain('Nimbus Test CA');
    expect(describeCertificate(other.certPem).selfSigned).toBe(true);
  });

  it('matches names exactly or by a one-label wildcard', () => {
    expect(coversName(['mail.example.test'], 'MAIL.example.test')).toBe(true);
    expect(coversName(['*.example.test'], 'mail.example.test')).toBe(true);
    expect(coversName(['*.example.test'], 'a.mail.example.test')).toBe(false);
    expect(coversName(['*.example.test'], 'example.test')).toBe(false);
    expect(coversName(['mail.example.test'], 'smtp.example.test')).toBe(false);
  });
});
