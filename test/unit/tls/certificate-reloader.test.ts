/**
 * The reloader over an in-memory CertificateSource (the file and Secrets Manager sources are
 * exercised by the integration suites), serving real TLS connections on loopback.
 */
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { CertificateMaterial, CertificateSource } from '../../../core/ports/certificate-source';
import { describeCertificate } from '../../../core/tls/certificate-info';
import { CertificateReloader } from '../../../containers/net/certificate-reloader';
import { makeTestCa, makeTestLeaf, type TestCertificate } from '../../helpers/test-certificates';

class MemorySource implements CertificateSource {
  readonly description = 'memory';
  value: CertificateMaterial | Error = new Error('empty');
  async load(): Promise<CertificateMaterial> {
    if (this.value instanceof Error) throw this.value;
    return this.value;
  }
}

const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
let certA: TestCertificate;
let certB: TestCertificate;
let fallback: TestCertificate;

beforeAll(async () => {
  const ca = await makeTestCa();
  certA = await makeTestLeaf({ names: ['localhost'], ca });
  certB = await makeTestLeaf({ names: ['localhost'], ca });
  fallback = await makeTestLeaf({ names: ['localhost'] });
});

async function presented(reloader: CertificateReloader): Promise<string> {
  const server = tls.createServer({ SNICallback: (_, cb) => cb(null, reloader.context()) }, (s) => s.end());
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

const fp = (cert: TestCertificate) => describeCertificate(cert.certPem).fingerprint256;

it('serves the fallback until the source holds a certificate, then swaps to it', async () => {
  const source = new MemorySource();
  const reloader = new CertificateReloader(source, {
    intervalMs: 3600_000,
    log,
    fallback: async () => ({ ...fallback, version: 'fallback' }),
  });
  await reloader.start();
  try {
    expect(reloader.usingFallback).toBe(true);
    expect(await presented(reloader)).toBe(fp(fallback));
    source.value = { ...certA, version: 'v1' };
    expect(await reloader.reload()).toBe(true);
    expect(reloader.usingFallback).toBe(false);
    expect(await presented(reloader)).toBe(fp(certA));
  } finally {
    reloader.stop();
  }
});

it('swaps only on a new version, and keeps the current certificate when the source fails', async () => {
  const source = new MemorySource();
  source.value = { ...certA, version: 'v1' };
  const reloader = new CertificateReloader(source, { intervalMs: 3600_000, log });
  await reloader.start();
  try {
    expect(await reloader.reload()).toBe(false); // same version: nothing rebuilt
    source.value = new Error('secret unreachable');
    expect(await reloader.reload()).toBe(false);
    expect(await presented(reloader)).toBe(fp(certA));
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ source: 'memory' }),
      expect.stringMatching(/keeping the current one/),
    );
    source.value = { ...certB, version: 'v2' };
    expect(await reloader.reload()).toBe(true);
    expect(await presented(reloader)).toBe(fp(certB));
  } finally {
    reloader.stop();
  }
});

it('accepts a chain glued without newlines between the PEM blocks', async () => {
  const glued = certA.certPem.replace(
    /-----END CERTIFICATE-----\s+-----BEGIN/,
    '-----END CERTIFICATE----------BEGIN',
  );
  expect(glued).not.toBe(certA.certPem);
  const source = new MemorySource();
  source.value = { certPem: glued, keyPem: certA.keyPem, version: 'v1' };
  const reloader = new CertificateReloader(source, { intervalMs: 3600_000, log });
  await reloader.start();
  reloader.stop();
  expect(await presented(reloader)).toBe(fp(certA));
});

it('refuses to start with neither a certificate nor a fallback', async () => {
  const reloader = new CertificateReloader(new MemorySource(), { intervalMs: 3600_000, log });
  await expect(reloader.start()).rejects.toThrow(/no TLS certificate/);
});
