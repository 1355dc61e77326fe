/**
 * ACME renewal against Pebble (Debian's `pebble`, an RFC 8555 test CA) with real DNS-01
 * validation. The certificate and the account key live in Secrets Manager (moto).
 *
 * - the renewal module with pebble-challtestsrv as the DNS port (pebble resolves through it);
 * - the Route 53 adapter against moto's Route 53 (records created, shared, removed);
 * - the Lambda asset that CDK synthesizes (infra/constructs/certificate-renewal.ts), run in its own
 *   process with the environment of the synthesized function, writing challenges to moto's
 *   Route 53, which pebble queries through a small DNS server that answers from moto's zone
 *   (test/helpers/route53-dns.ts): the production path end to end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { X509Certificate } from 'node:crypto';
import * as acme from 'acme-client';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { bareZoneId, Route53SdkApi } from '../../core/adapters/aws/route53-api';
import { Route53TxtRecords } from '../../core/adapters/aws/route53-txt-records';
import { SecretsManagerCertificate } from '../../core/adapters/aws/secrets-manager-certificate';
import { describeCertificate, splitPemChain } from '../../core/tls/certificate-info';
import { parseCertificateSecret } from '../../core/tls/certificate-secret';
import { SecretsManagerAccountKey } from '../../functions/acme/account-key';
import { renewIfDue, type RenewDeps } from '../../functions/acme/renew';
import { startMoto, type Moto } from '../helpers/moto';
import { pebbleAvailable, startPebble, type Pebble } from '../helpers/pebble';
import { STAGES, type StageConfig } from '../../infra/config/stages';
import { CertificateRenewal } from '../../infra/constructs/certificate-renewal';
import { startRoute53Dns } from '../helpers/route53-dns';
import { makeTestLeaf } from '../helpers/test-certificates';

const ROOT = path.resolve(__dirname, '../..');

const NAMES = ['mail.example.test', 'imap.example.test'];

let moto: Moto;
let pebble: Pebble;
let secrets: SecretsManagerClient;
let route53: Route53Client;
let tlsSecret: string;
let accountSecret: string;

beforeAll(async () => {
  if (!pebbleAvailable())
    throw new Error('pebble is not installed (apt-get install pebble); .ci/run installs it');
  [moto, pebble] = await Promise.all([startMoto(), startPebble()]);
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = moto.endpoint;
  secrets = new SecretsManagerClient({});
  route53 = new Route53Client({ endpoint: moto.endpoint });
  // Pebble's HTTPS certificate is our own test one: trusted for the directory only, in this process.
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: pebble.httpsCaPem });
  // What CloudFormation leaves in a new secret: a random string, neither a certificate nor a key.
  tlsSecret = (
    await secrets.send(new CreateSecretCommand({ Name: 'nimbus-test/tls', SecretString: 'R4nd0m-initial' }))
  ).ARN!;
  accountSecret = (
    await secrets.send(new CreateSecretCommand({ Name: 'nimbus-test/acme-account', SecretString: 'R4nd0m' }))
  ).ARN!;
}, 60_000);

afterAll(async () => {
  acme.axios.defaults.httpsAgent = undefined;
  route53?.destroy();
  await Promise.all([pebble?.stop(), moto?.stop()]);
});

function deps(overrides: Partial<RenewDeps> = {}): RenewDeps {
  return {
    certificates: new SecretsManagerCertificate(secrets, tlsSecret),
    accountKey: new SecretsManagerAccountKey(secrets, accountSecret),
    dns: pebble.dns,
    names: NAMES,
    directoryUrl: pebble.directoryUrl,
    email: 'postmaster@example.test',
    renewBeforeDays: 30,
    backoff: { attempts: 20, minMs: 100, maxMs: 500 },
    ...overrides,
  };
}

async function storedCertificate() {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: tlsSecret }));
  return { ...parseCertificateSecret(out.SecretString!), version: out.VersionId! };
}

/** True when `chainPem` chains, certificate by certificate, up to `rootPem`. */
function chainsTo(chainPem: string, rootPem: string): boolean {
  const chain = [...splitPemChain(chainPem), rootPem].map((pem) => new X509Certificate(pem));
  return chain.every((cert, i) => {
    const issuer = chain[Math.min(i + 1, chain.length - 1)];
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  });
}

it('orders a certificate with DNS-01 when the secret holds none, and stores it with its key', async () => {
  const result = await renewIfDue(deps());
  expect(result).toMatchObject({ renewed: true, reason: 'no certificate stored yet' });

  const stored = await storedCertificate();
  expect(result.version).toBe(stored.version);
  const info = describeCertificate(stored.certPem);
  expect(info.names.sort()).toEqual([...NAMES].sort());
  expect(info.selfSigned).toBe(false);
  expect(chainsTo(stored.certPem, await pebble.root())).toBe(true);
  // One DNS-01 challenge per name, and the records were removed again.
  expect([...pebble.published].sort()).toEqual([
    '_acme-challenge.imap.example.test.',
    '_acme-challenge.mail.example.test.',
  ]);
  expect([...pebble.liveTxt.keys()]).toEqual([]);
  // The account key was created and kept in its own secret.
  const account = await secrets.send(new GetSecretValueCommand({ SecretId: accountSecret }));
  expect(account.SecretString).toMatch(/BEGIN (RSA )?PRIVATE KEY/);
});

it('does not renew a certificate that is not yet due', async () => {
  const before = await storedCertificate();
  const result = await renewIfDue(deps());
  expect(result).toMatchObject({ renewed: false, version: before.version });
  expect((await storedCertificate()).version).toBe(before.version);
});

it('renews when the certificate is within renewBeforeDays, with the same ACME account', async () => {
  const accountBefore = (await secrets.send(new GetSecretValueCommand({ SecretId: accountSecret })))
    .SecretString;
  const before = await storedCertificate();
  // Pebble issues for years: a renewal window longer than that makes the current one due.
  const result = await renewIfDue(deps({ renewBeforeDays: 20_000 }));
  expect(result.renewed).toBe(true);
  const after = await storedCertificate();
  expect(after.version).not.toBe(before.version);
  expect(describeCertificate(after.certPem).fingerprint256).not.toBe(
    describeCertificate(before.certPem).fingerprint256,
  );
  expect((await secrets.send(new GetSecretValueCommand({ SecretId: accountSecret }))).SecretString).toBe(
    accountBefore,
  );
});

it('renews a self-signed certificate and one that lacks a configured name', async () => {
  const self = await makeTestLeaf({ names: NAMES });
  await secrets.send(
    new PutSecretValueCommand({
      SecretId: tlsSecret,
      SecretString: JSON.stringify({ cert: self.certPem, key: self.keyPem }),
    }),
  );
  expect(await renewIfDue(deps())).toMatchObject({
    renewed: true,
    reason: 'the stored certificate is self-signed',
  });
  const wider = [...NAMES, 'smtp.example.test'];
  const result = await renewIfDue(deps({ names: wider }));
  expect(result).toMatchObject({ renewed: true, reason: 'the stored certificate lacks smtp.example.test' });
  expect(describeCertificate((await storedCertificate()).certPem).names.sort()).toEqual(wider.sort());
});

it('fails (and stores nothing) when the DNS-01 validation fails', async () => {
  const before = await storedCertificate();
  // A DNS port that "publishes" nothing: pebble finds no TXT record and the order fails.
  const silent = { addTxt: async () => undefined, removeTxt: async () => undefined };
  await expect(renewIfDue(deps({ dns: silent, renewBeforeDays: 20_000 }))).rejects.toThrow();
  expect((await storedCertificate()).version).toBe(before.version);
});

/** A hosted zone in moto (the adapter never creates zones). */
async function createZone(name: string): Promise<string> {
  const out = await route53.send(
    new CreateHostedZoneCommand({ Name: name, CallerReference: `${name}-${Date.now()}` }),
  );
  return bareZoneId(out.HostedZone!.Id!);
}

describe('Route 53 TXT records (moto)', () => {
  it('adds values to one record (concurrently), removes them one by one, and deletes the record with the last', async () => {
    const zone = await createZone('zone-a.test');
    const api = new Route53SdkApi(route53);
    const records = new Route53TxtRecords(api, zone, { pollMs: 10 });
    const name = '_acme-challenge.zone-a.test';
    // A name and its wildcard share one record: both values must survive concurrent adds.
    await Promise.all([records.addTxt(name, 'value-one'), records.addTxt(name, 'value-two')]);
    expect((await api.listTxt(zone, name))?.values.sort()).toEqual(['"value-one"', '"value-two"']);
    await records.addTxt(name, 'value-two'); // already there: no change
    await records.removeTxt(name, 'value-one');
    expect((await api.listTxt(zone, name))?.values).toEqual(['"value-two"']);
    await records.removeTxt(name, 'value-two');
    expect(await api.listTxt(zone, name)).toBeUndefined();
    await records.removeTxt(name, 'value-two'); // nothing left to remove: no error
  });

  it('reports Route 53 errors (an unknown zone) as failures', async () => {
    const records = new Route53TxtRecords(new Route53SdkApi(route53), 'ZNOSUCHZONE');
    await expect(records.addTxt('_acme-challenge.x.test', 'v')).rejects.toThrow(
      /^Route 53 ListResourceRecordSets: NoSuchHostedZone/,
    );
  });
});

describe('the bundled function on Route 53 (moto) and pebble', () => {
  let dir: string;
  let bundle: string;
  let zone: string;
  let viaRoute53: Pebble;
  let bridge: Awaited<ReturnType<typeof startRoute53Dns>>;
  let secretArn: string;
  let accountArn: string;
  /** The synthesized function's environment, with the account key secret's Ref resolved. */
  let functionEnv: Record<string, string>;
  const names = ['mail.zone-b.test', 'imap.zone-b.test'];

  /** Synthesizes the construct for `stage` and returns its Lambda asset directory and environment. */
  function synthesizeRenewal(stage: StageConfig): { assetDir: string; env: Record<string, unknown> } {
    const outdir = path.join(dir, 'cdk.out');
    const app = new App({ outdir });
    const stack = new Stack(app, 'AcmeRenewal', { env: { account: '123456789012', region: 'us-east-1' } });
    new CertificateRenewal(stack, 'CertificateRenewal', {
      stage,
      repoRoot: ROOT,
      tlsSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Tls', secretArn),
      key: kms.Key.fromKeyArn(
        stack,
        'Key',
        'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
      ),
      hostedZone: stage.dns!.hostedZone!,
    });
    const template = app.synth().getStackByName('AcmeRenewal').template as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const fn = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        r.Properties.FunctionName === `nimbus-${stage.name}-acme-renewal`,
    )!;
    const code = fn.Properties.Code as { S3Key: string };
    const assetDir = path.join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    return { assetDir, env };
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-acme-bundle-'));
    zone = await createZone('zone-b.test');
    bridge = await startRoute53Dns(new Route53SdkApi(route53), zone);
    viaRoute53 = await startPebble({ dnsServer: bridge.address });
    writeFileSync(path.join(dir, 'pebble-https.pem'), viaRoute53.httpsCaPem);
    secretArn = (await secrets.send(new CreateSecretCommand({ Name: 'nimbus-b/tls', SecretString: 'x' })))
      .ARN!;
    const stage: StageConfig = {
      ...STAGES.dev,
      name: 'acmetest',
      domain: { ...STAGES.dev.domain, mailDomain: 'zone-b.test', mailHostname: names[0] },
      dns: { hostedZone: { id: zone, name: 'zone-b.test' } },
      acme: { directoryUrl: viaRoute53.directoryUrl, extraNames: names.slice(1) },
    };
    const { assetDir, env } = synthesizeRenewal(stage);
    bundle = path.join(assetDir, 'index.js');
    // The account key secret the construct creates: here in moto, under the name it gives it.
    accountArn = (
      await secrets.send(
        new CreateSecretCommand({ Name: 'nimbus-acmetest/acme-account-key', SecretString: 'x' }),
      )
    ).ARN!;
    functionEnv = Object.fromEntries(
      Object.entries(env).map(([name, value]) => {
        if (typeof value === 'string') return [name, value];
        if (JSON.stringify(value).includes('AcmeAccountKey')) return [name, accountArn];
        throw new Error(`unresolved ${name}: ${JSON.stringify(value)}`);
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await viaRoute53?.stop();
    await bridge?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Invokes the asset's handler in a fresh Node process with the synthesized environment
   * (asynchronously: this process serves the DNS answers meanwhile).
   */
  function invoke(): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(bundle)}).handler().then(() => undefined, (e) => { console.error(e); process.exitCode = 1; })`,
      ],
      {
        env: {
          PATH: process.env.PATH,
          ...moto.env,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
          AWS_ENDPOINT_URL_ROUTE_53: moto.endpoint,
          // The Lambda runtime provides @aws-sdk/*; here they come from the repository.
          NODE_PATH: path.join(ROOT, 'node_modules'),
          // Trust pebble's HTTPS certificate (our test one), as an operator would a private CA.
          NODE_EXTRA_CA_CERTS: path.join(dir, 'pebble-https.pem'),
          NODE_NO_WARNINGS: '1',
          // TLS_SECRET_ARN, ACME_*, HOSTED_ZONE_ID, NIMBUS_STAGE: as synthesized.
          ...functionEnv,
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  }

  const metricLine = (stdout: string) =>
    JSON.parse(stdout.split('\n').find((line) => line.includes('CertificateDaysLeft'))!) as Record<
      string,
      unknown
    >;

  it('issues through Route 53 DNS-01, stores the certificate, removes the records; a second run does nothing', async () => {
    const first = await invoke();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(metricLine(first.stdout)).toMatchObject({
      Stage: 'acmetest',
      CertificateRenewed: 1,
      renewed: true,
    });

    const stored = parseCertificateSecret(
      (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString!,
    );
    expect(describeCertificate(stored.certPem).names.sort()).toEqual([...names].sort());
    expect(chainsTo(stored.certPem, await viaRoute53.root())).toBe(true);
    // Pebble asked our DNS server for both challenge records, which are gone from the zone now.
    expect(new Set(bridge.queries)).toEqual(
      new Set(['_acme-challenge.mail.zone-b.test.', '_acme-challenge.imap.zone-b.test.']),
    );
    const api = new Route53SdkApi(route53);
    for (const name of names) expect(await api.listTxt(zone, `_acme-challenge.${name}`)).toBeUndefined();

    const second = await invoke();
    expect(second.status).toBe(0);
    expect(metricLine(second.stdout)).toMatchObject({ CertificateRenewed: 0, renewed: false });
    expect(metricLine(second.stdout).CertificateDaysLeft).toBeGreaterThan(30);
  });
});
