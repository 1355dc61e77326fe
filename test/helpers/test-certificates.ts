/** Real X.509 certificates for the TLS suites (EC P-256: quick to generate), made with selfsigned. */
import selfsigned from 'selfsigned';

export interface TestCertificate {
  certPem: string;
  keyPem: string;
}

/** A test CA that can sign leaves. */
export async function makeTestCa(name = 'Nimbus Test CA'): Promise<TestCertificate> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 3650 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}

/** A server certificate for `names`, signed by `ca` (self-signed without one). */
export async function makeTestLeaf(options: {
  names: string[];
  ca?: TestCertificate;
  notBefore?: Date;
  notAfter?: Date;
}): Promise<TestCertificate> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: options.names[0] }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: options.notBefore ?? new Date(Date.now() - 86400_000),
    notAfterDate: options.notAfter ?? new Date(Date.now() + 90 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...options.names.map((value) => ({ type: 2 as const, value })),
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
    ...(options.ca ? { ca: { key: options.ca.keyPem, cert: options.ca.certPem } } : {}),
  });
  // The chain a server sends: leaf, then the issuer (a real chain has intermediates here).
  const chain = options.ca ? `${pems.cert.trimEnd()}\n${options.ca.certPem.trimEnd()}\n` : pems.cert;
  return { certPem: chain, keyPem: pems.private };
}
