/**
 * The mail TLS certificate in a Secrets Manager secret (JSON {"cert", "key"}, see
 * core/tls/certificate-secret.ts). Nodes read it (CertificateSource: the secret's VersionId tells
 * a rotation); the ACME renewal job reads and writes it (CertificateStore).
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type {
  CertificateMaterial,
  CertificateSource,
  CertificateStore,
} from '../../ports/certificate-source';
import { CertificateError } from '../../tls/certificate-info';
import { formatCertificateSecret, parseCertificateSecret } from '../../tls/certificate-secret';
import { clientConfig, type AwsClientOptions } from './aws-requests';

export function secretsManagerClient(options: AwsClientOptions = {}): SecretsManagerClient {
  return new SecretsManagerClient(clientConfig(options));
}

export class SecretsManagerCertificate implements CertificateSource, CertificateStore {
  readonly description: string;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
  ) {
    this.description = `secret ${secretId}`;
  }

  async load(): Promise<CertificateMaterial> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (out.SecretString === undefined) throw new CertificateError('the TLS secret has no string value');
    const pems = parseCertificateSecret(out.SecretString);
    return { ...pems, version: out.VersionId ?? 'unknown' };
  }

  /** Undefined when the secret has no value yet or holds no usable certificate: both mean "order one". */
  async read(): Promise<CertificateMaterial | undefined> {
    try {
      return await this.load();
    } catch (error) {
      if (error instanceof CertificateError || error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async write(material: { certPem: string; keyPem: string }): Promise<string> {
    const out = await this.client.send(
      new PutSecretValueCommand({ SecretId: this.secretId, SecretString: formatCertificateSecret(material) }),
    );
    return out.VersionId ?? 'unknown';
  }
}
