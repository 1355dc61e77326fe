/** The certificate in two PEM files (NIMBUS_TLS_CERT / NIMBUS_TLS_KEY); a hash of both is the version. */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { CertificateMaterial, CertificateSource } from '../../core/ports/certificate-source';
import { checkKeyPair } from '../../core/tls/certificate-info';

export class FileCertificateSource implements CertificateSource {
  readonly description: string;

  constructor(
    readonly certPath: string,
    readonly keyPath: string,
  ) {
    this.description = `file ${certPath}`;
  }

  async load(): Promise<CertificateMaterial> {
    const [certPem, keyPem] = await Promise.all([
      fs.readFile(this.certPath, 'utf8'),
      fs.readFile(this.keyPath, 'utf8'),
    ]);
    // A renewal tool writes the two files one after the other: a pair that does not match yet is
    // refused here and picked up at the next poll.
    checkKeyPair(certPem, keyPem);
    const version = createHash('sha256').update(certPem).update('\0').update(keyPem).digest('hex');
    return { certPem, keyPem, version: version.slice(0, 16) };
  }
}
