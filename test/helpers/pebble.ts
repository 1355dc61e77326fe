/**
 * Pebble (Let's Encrypt's ACME test server, Debian package `pebble`) and its challenge test
 * server on loopback: pebble resolves DNS-01 records through pebble-challtestsrv's DNS server,
 * whose records the tests set over its management API. Pebble's HTTPS certificate is one we
 * generate; its issuing CA is regenerated on every start and fetched from the management API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { DnsTxtRecords } from '../../core/ports/dns-records';
import { freePort } from './ports';
import { makeTestLeaf } from './test-certificates';

export interface Pebble {
  directoryUrl: string;
  /** PEM of the certificate pebble's HTTPS endpoints present (trust it as a CA). */
  httpsCaPem: string;
  /** Pebble's current root CA (PEM). */
  root(): Promise<string>;
  /** The challenge server's TXT records, as a DNS port. */
  dns: DnsTxtRecords;
  /** TXT records set through `dns` and not removed yet (what the DNS server answers now). */
  liveTxt: Map<string, string[]>;
  /** Every name a TXT value was published for, in order. */
  published: string[];
  stop(): Promise<void>;
}

export function pebbleAvailable(): boolean {
  return (
    spawnSync('pebble', ['-h'], { stdio: 'ignore' }).error === undefined &&
    spawnSync('pebble-challtestsrv', ['-h'], { stdio: 'ignore' }).error === undefined
  );
}

function getText(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function waitFor(check: () => Promise<boolean>, child: ChildProcess, name: string, log: () => string) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${log()}`);
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} did not start: ${log()}`);
}

/** Starts pebble; it resolves through challtestsrv's DNS server unless `dnsServer` is given. */
export async function startPebble(options: { dnsServer?: string } = {}): Promise<Pebble> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-pebble-'));
  const tlsCert = await makeTestLeaf({ names: ['localhost'] });
  writeFileSync(path.join(dir, 'cert.pem'), tlsCert.certPem);
  writeFileSync(path.join(dir, 'key.pem'), tlsCert.keyPem);
  const [acmePort, managementPort, dnsPort, challengePort, httpPort, tlsPort] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  writeFileSync(
    path.join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: path.join(dir, 'cert.pem'),
        privateKey: path.join(dir, 'key.pem'),
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  let challLog = '';
  const chall = spawn(
    'pebble-challtestsrv',
    [
      '-dns01',
      `127.0.0.1:${dnsPort}`,
      '-http01',
      '',
      '-https01',
      '',
      '-tlsalpn01',
      '',
      '-management',
      `127.0.0.1:${challengePort}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  chall.stdout!.on('data', (c: Buffer) => (challLog += c.toString()));
  chall.stderr!.on('data', (c: Buffer) => (challLog += c.toString()));
  let pebbleLog = '';
  const pebble = spawn(
    'pebble',
    ['-config', path.join(dir, 'pebble.json'), '-dnsserver', options.dnsServer ?? `127.0.0.1:${dnsPort}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // No random validation sleeps, no rejected nonces, no reused authorizations (every order is
      // validated through DNS): the test's run is deterministic.
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
    },
  );
  pebble.stdout!.on('data', (c: Buffer) => (pebbleLog += c.toString()));
  pebble.stderr!.on('data', (c: Buffer) => (pebbleLog += c.toString()));
  const management = `http://127.0.0.1:${challengePort}`;
  const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
  await waitFor(
    async () => /Starting management server/.test(challLog),
    chall,
    'pebble-challtestsrv',
    () => challLog,
  );
  await waitFor(
    async () => (await getText(directoryUrl, tlsCert.certPem)).status === 200,
    pebble,
    'pebble',
    () => pebbleLog,
  );

  const liveTxt = new Map<string, string[]>();
  const published: string[] = [];
  const post = async (endpoint: string, body: unknown) => {
    const res = await fetch(`${management}${endpoint}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`challtestsrv ${endpoint}: ${res.status}`);
  };
  const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`);
  const dns: DnsTxtRecords = {
    async addTxt(name, value) {
      await post('/set-txt', { host: fqdn(name), value });
      liveTxt.set(fqdn(name), [...(liveTxt.get(fqdn(name)) ?? []), value]);
      published.push(fqdn(name));
    },
    async removeTxt(name) {
      await post('/clear-txt', { host: fqdn(name) });
      liveTxt.delete(fqdn(name));
    },
  };
  const stopChild = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return {
    directoryUrl,
    httpsCaPem: tlsCert.certPem,
    root: async () => (await getText(`https://127.0.0.1:${managementPort}/roots/0`, tlsCert.certPem)).body,
    dns,
    liveTxt,
    published,
    stop: async () => {
      await Promise.all([stopChild(pebble), stopChild(chall)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
