import { promises as fs } from 'node:fs';
import path from 'node:path';
import tls, { type SecureContext } from 'node:tls';
import selfsigned from 'selfsigned';

export interface TlsFiles {
  certPath: string;
  keyPath: string;
}

/**
 * The TLS certificate: configured files, or a self-signed one generated into the data dir on first
 * start (fine for development; clients will warn). Re-read on demand so a renewed cert is picked up.
 */
export async function loadTlsContext(
  dataDir: string,
  hostname: string,
  configured?: Partial<TlsFiles>,
): Promise<{ context: () => SecureContext; files: TlsFiles; selfSigned: boolean }> {
  let files: TlsFiles;
  let selfSigned = false;
  if (configured?.certPath && configured.keyPath) {
    files = { certPath: configured.certPath, keyPath: configured.keyPath };
  } else {
    files = {
      certPath: path.join(dataDir, 'tls', 'cert.pem'),
      keyPath: path.join(dataDir, 'tls', 'key.pem'),
    };
    selfSigned = true;
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
  }
  const build = async () =>
    tls.createSecureContext({
      cert: await fs.readFile(files.certPath),
      key: await fs.readFile(files.keyPath),
      minVersion: 'TLSv1.2',
    });
  let current = await build();
  const timer = setInterval(() => {
    build()
      .then((context) => (current = context))
      .catch(() => undefined);
  }, 3600_000);
  timer.unref();
  return { context: () => current, files, selfSigned };
}
