import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import selfsigned from 'selfsigned';
import type { CertificateSource } from '../../core/ports/certificate-source';
import {
  SecretsManagerCertificate,
  secretsManagerClient,
} from '../../core/adapters/aws/secrets-manager-certificate';
import { CertificateReloader } from './certificate-reloader';
import { FileCertificateSource } from './file-certificate-source';

export interface TlsFiles {
  certPath: string;
  keyPath: string;
}

export interface TlsSettings extends Partial<TlsFiles> {
  /** Secrets Manager secret holding {"cert", "key"} (NIMBUS_TLS_CERT_SECRET_ARN); wins over files. */
  secretArn?: string;
  /** How often the certificate source is polled for a new version. */
  reloadSeconds?: number;
}

export interface TlsContextHandle {
  /** The context for a new connection (listeners and STARTTLS call this per connection). */
  context: () => SecureContext;
  /** True when the node serves its generated self-signed certificate. */
  readonly selfSigned: boolean;
  description: string;
  /** Polls the source now; true when a new certificate was loaded. */
  reload(): Promise<boolean>;
  stop(): void;
}

const SILENT = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Generates a self-signed certificate into the data dir on first start (development; clients will warn). */
async function selfSignedFiles(dataDir: string, hostname: string): Promise<TlsFiles> {
  const files = {
    certPath: path.join(dataDir, 'tls', 'cert.pem'),
    keyPath: path.join(dataDir, 'tls', 'key.pem'),
  };
  try {
    await fs.access(files.certPath);
  } catch {
    await fs.mkdir(path.dirname(files.certPath), { recursive: true, mode: 0o700 });
    const pems = await selfsigned.generate([{ name: 'commonName', value: hostname }], {
      keySize: 2048,
      notAfterDate: new Date(Date.now() + 825 * 86400_000),
      algorithm: 'sha256',
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: hostname },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    await fs.writeFile(files.keyPath, pems.private, { mode: 0o600 });
    await fs.writeFile(files.certPath, pems.cert, { mode: 0o644 });
  }
  return files;
}

/**
 * The TLS certificate: a Secrets Manager secret (AWS), configured files, or a self-signed one.
 * The source is polled every `reloadSeconds` and a new version serves new connections without a
 * restart. With a secret that is empty or bad at start (first deploy), the node serves the
 * self-signed certificate until a valid version appears.
 */
export async function loadTlsContext(
  dataDir: string,
  hostname: string,
  configured: TlsSettings = {},
  log: Pick<Logger, 'info' | 'warn' | 'error'> = SILENT,
): Promise<TlsContextHandle> {
  const intervalMs = (configured.reloadSeconds ?? 300) * 1000;
  let source: CertificateSource;
  let fallback: CertificateReloader['source'] | undefined;
  if (configured.secretArn) {
    // Bounded: a slow Secrets Manager must not hold the node's start past the health-check grace.
    const client = secretsManagerClient({ connectTimeoutMs: 3000, requestTimeoutMs: 10_000, maxAttempts: 2 });
    source = new SecretsManagerCertificate(client, configured.secretArn);
    const files = await selfSignedFiles(dataDir, hostname);
    fallback = new FileCertificateSource(files.certPath, files.keyPath);
  } else if (configured.certPath && configured.keyPath) {
    source = new FileCertificateSource(configured.certPath, configured.keyPath);
  } else {
    const files = await selfSignedFiles(dataDir, hostname);
    source = new FileCertificateSource(files.certPath, files.keyPath);
  }
  const reloader = new CertificateReloader(source, {
    intervalMs,
    log,
    fallback: fallback && (() => fallback.load()),
  });
  await reloader.start();
  const generated = !configured.secretArn && !(configured.certPath && configured.keyPath);
  return {
    context: () => reloader.context(),
    get selfSigned() {
      return generated || reloader.usingFallback;
    },
    description: source.description,
    reload: () => reloader.reload(),
    stop: () => reloader.stop(),
  };
}
