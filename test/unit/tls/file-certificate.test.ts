/**
 * NIMBUS_TLS_CERT / NIMBUS_TLS_KEY through the node's entry point (loadTlsContext): files replaced
 * in place are served to new connections after a poll; a half-written pair is not.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { loadTlsContext, type TlsContextHandle } from '../../../containers/net/tls-context';
import { describeCertificate } from '../../../core/tls/certificate-info';
import { makeTestCa, makeTestLeaf, type TestCertificate } from '../../helpers/test-certificates';

let dir: string;
let certA: TestCertificate;
let certB: TestCertificate;
const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
const fp = (cert: TestCertificate) => describeCertificate(cert.certPem).fingerprint256;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-tls-files-'));
  const ca = await makeTestCa();
  [certA, certB] = await Promise.all([
    makeTestLeaf({ names: ['localhost'], ca }),
    makeTestLeaf({ names: ['localhost'], ca }),
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function presented(handle: TlsContextHandle): Promise<string> {
  const server = tls.createServer({ SNICallback: (_, cb) => cb(null, handle.context()) }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = tls.connect(
        { port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false },
        () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.destroy();
        },
      );
      socket.once('error', reject);
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

it('serves renewed files after a poll, and not a half-written pair', async () => {
  const certPath = path.join(dir, 'fullchain.pem');
  const keyPath = path.join(dir, 'privkey.pem');
  writeFileSync(certPath, certA.certPem);
  writeFileSync(keyPath, certA.keyPem);
  const handle = await loadTlsContext(dir, 'localhost', { certPath, keyPath, reloadSeconds: 3600 }, log);
  try {
    expect(handle.selfSigned).toBe(false);
    expect(await presented(handle)).toBe(fp(certA));

    writeFileSync(certPath, certB.certPem); // the key is not written yet
    expect(await handle.reload()).toBe(false);
    expect(await presented(handle)).toBe(fp(certA));
    expect(log.error).toHaveBeenCalledWith(
      expect.anything(),
      expect.stringMatching(/keeping the current one/),
    );

    writeFileSync(keyPath, certB.keyPem);
    expect(await handle.reload()).toBe(true);
    expect(await presented(handle)).toBe(fp(certB));
    expect(await handle.reload()).toBe(false); // unchanged files: nothing rebuilt
  } finally {
    handle.stop();
  }
});

it('generates a self-signed certificate when none is configured', async () => {
  const handle = await loadTlsContext(path.join(dir, 'data'), 'localhost', {}, log);
  try {
    expect(handle.selfSigned).toBe(true);
    expect(await presented(handle)).toMatch(/^[0-9A-F:]+$/);
  } finally {
    handle.stop();
  }
});
