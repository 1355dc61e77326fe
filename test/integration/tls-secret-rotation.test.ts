/**
 * Mail TLS from Secrets Manager (moto on loopback): a node started with NIMBUS_TLS_CERT_SECRET_ARN
 * presents the secret's certificate on every TLS port and after STARTTLS; a new secret version
 * (rotation) reaches new connections without a restart while an open session carries on; a bad
 * version is refused (the node keeps the last good certificate and stays up).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describeCertificate } from '../../core/tls/certificate-info';
import { eventually } from '../helpers/eventually';
import { startMoto, type Moto } from '../helpers/moto';
import { NodeProcess } from '../helpers/node-process';
import { makeTestCa, makeTestLeaf, type TestCertificate } from '../helpers/test-certificates';
import {
  connectTls,
  exchange,
  presentedFingerprint,
  readLine,
  type StartTlsDialect,
} from '../helpers/tls-probe';

let moto: Moto;
let secrets: SecretsManagerClient;
let node: NodeProcess;
let dir: string;
let ports: Record<string, number>;
let secretArn: string;
let certA: TestCertificate;
let certB: TestCertificate;

const fingerprint = (cert: TestCertificate) => describeCertificate(cert.certPem).fingerprint256;
const secretValue = (cert: TestCertificate) => JSON.stringify({ cert: cert.certPem, key: cert.keyPem });

/** Every TLS entry point of the node: implicit TLS ports and the STARTTLS ones. */
const ENDPOINTS: [string, StartTlsDialect | undefined][] = [
  ['submissions', undefined],
  ['imaps', undefined],
  ['pop3s', undefined],
  ['smtp', 'smtp'],
  ['submission', 'smtp'],
  ['imap', 'imap'],
  ['pop3', 'pop3'],
  ['managesieve', 'managesieve'],
];

async function presented(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [service, dialect] of ENDPOINTS)
    out[service] = await presentedFingerprint(ports[service], dialect);
  return out;
}

/** A node (its own process) whose certificate is the secret `arn`. */
function nodeOn(arn: string, dataDir: string): NodeProcess {
  const zero = Object.fromEntries(
    ['SMTP', 'SUBMISSION', 'SUBMISSIONS', 'IMAP', 'IMAPS', 'POP3', 'POP3S', 'MANAGESIEVE', 'HTTP'].map(
      (p) => [`NIMBUS_${p}_PORT`, '0'],
    ),
  );
  return new NodeProcess(path.join(dir, dataDir), [], {
    ...moto.env,
    ...zero,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
    NIMBUS_TLS_CERT_SECRET_ARN: arn,
    // A short poll so the test sees a rotation soon (default 300 s).
    NIMBUS_TLS_RELOAD_SECONDS: '1',
    NIMBUS_PREGREET_MS: '0',
    NIMBUS_HOSTNAME: 'localhost',
  });
}

const all = (value: string) => Object.fromEntries(ENDPOINTS.map(([service]) => [service, value]));

beforeAll(async () => {
  moto = await startMoto();
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = moto.endpoint;
  secrets = new SecretsManagerClient({});
  const ca = await makeTestCa();
  certA = await makeTestLeaf({ names: ['localhost'], ca });
  certB = await makeTestLeaf({ names: ['localhost'], ca });
  const created = await secrets.send(
    new CreateSecretCommand({ Name: 'nimbus-test/tls-certificate', SecretString: secretValue(certA) }),
  );
  secretArn = created.ARN!;
  dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-tls-rotation-'));
  // mkdtemp makes it 0700: the embedded PostgreSQL (run as `postgres` when we are root) must enter it.
  chmodSync(dir, 0o755);
  node = nodeOn(secretArn, 'data');
  ports = await node.start();
}, 120_000);

afterAll(async () => {
  await node?.kill('SIGTERM');
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('presents the secret’s certificate on every TLS port and after STARTTLS', async () => {
  expect(await presented()).toEqual(all(fingerprint(certA)));
});

it('serves a rotated certificate to new connections; an open session keeps working', async () => {
  const open = await connectTls(ports.imaps);
  await readLine(open, /^\* OK/);
  expect(open.getPeerCertificate().fingerprint256).toBe(fingerprint(certA));

  await secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: secretValue(certB) }));
  const expected = all(fingerprint(certB));
  await eventually(async () => JSON.stringify(await presented()) === JSON.stringify(expected), 30_000, 200);
  expect(await presented()).toEqual(expected);

  // The session opened before the rotation is the same TLS session, and still answers.
  expect(await exchange(open, 'a1 CAPABILITY\r\n', /^a1 /)).toMatch(/^a1 OK/);
  expect(open.getPeerCertificate().fingerprint256).toBe(fingerprint(certA));
  open.destroy();
});

it.each([
  ['not JSON', () => 'this is not a certificate'],
  [
    'a key that does not match the certificate',
    () => JSON.stringify({ cert: certB.certPem, key: certA.keyPem }),
  ],
  [
    'a PEM that is no certificate',
    () =>
      JSON.stringify({
        cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
        key: certB.keyPem,
      }),
  ],
])('refuses a secret version holding %s: keeps the last good certificate, stays up', async (_, value) => {
  const refusals = () => node.output.split('TLS certificate could not be loaded').length - 1;
  const before = refusals();
  await secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: value() }));
  // The node logs each poll that meets the bad version; two such polls prove it read it and went on.
  await eventually(async () => refusals() >= before + 2, 30_000, 200);
  expect(node.child!.exitCode).toBeNull();
  expect(await presented()).toEqual(all(fingerprint(certB)));
  const health = await fetch(`http://127.0.0.1:${ports.http}/healthz`);
  expect(health.status).toBe(200);
});

it('starts on a secret without a certificate yet (first deploy) with a self-signed one, then takes the secret’s', async () => {
  // What CloudFormation leaves in a new secret: a random string.
  const empty = (
    await secrets.send(new CreateSecretCommand({ Name: 'nimbus-test/tls-empty', SecretString: 'Zq8#random' }))
  ).ARN!;
  const fresh = nodeOn(empty, 'fresh');
  try {
    const freshPorts = await fresh.start();
    expect(fresh.output).toContain('serving the fallback (self-signed) TLS certificate');
    const first = await connectTls(freshPorts.imaps);
    const served = first.getPeerCertificate();
    first.destroy();
    expect(served.subject.CN).toBe('localhost');
    expect(served.issuer.CN).toBe('localhost'); // self-signed
    expect(served.fingerprint256).not.toBe(fingerprint(certA));

    await secrets.send(new PutSecretValueCommand({ SecretId: empty, SecretString: secretValue(certA) }));
    await eventually(
      async () => (await presentedFingerprint(freshPorts.imaps)) === fingerprint(certA),
      30_000,
      200,
    );
    expect(await presentedFingerprint(freshPorts.smtp, 'smtp')).toBe(fingerprint(certA));
  } finally {
    await fresh.kill('SIGTERM');
  }
});
