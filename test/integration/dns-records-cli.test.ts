/**
 * `nimbus dns records DOMAIN` against a running node: the records name the node's host and the
 * ports it bound, carry the domain's DKIM key once there is one, and the MTA-STS record's id is
 * the digest of the policy the node actually serves at /.well-known/mta-sts.txt.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mtaStsPolicyId } from '../../core/dns/mta-sts';
import type { DnsRecord } from '../../core/dns/zone-records';
import { parseMtaStsPolicy, parseMtaStsRecord } from '../../core/relay/mta-sts';
import { ANY_PORTS_ARGS, ANY_PORTS_ENV, NodeProcess, nimbus } from '../helpers/node-process';

let dataDir: string;
let node: NodeProcess;
let ports: Record<string, number>;
/** The default output, read once (each CLI run is a fresh process). */
let base: JsonResult;
const data = () => ['--data', dataDir];
const env = { NIMBUS_HOSTNAME: 'mail.dns.test', NIMBUS_MTA_STS_MODE: 'enforce' };

interface JsonResult {
  domain: string;
  records: DnsRecord[];
  mtaStsPolicy: string;
  notes: string[];
}

const records = (args: string[] = []) => {
  const result = nimbus([...data(), 'dns', 'records', 'dns.test', '--json', ...args], { env });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as JsonResult;
};
/** `nimbus` as its own process, without blocking: independent runs go in parallel. */
const nimbusAsync = (args: string[], extraEnv: Record<string, string> = {}) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [path.resolve(__dirname, '../../bin/nimbus.cjs'), ...data(), ...args],
      {
        env: { ...process.env, ...env, ...extraEnv },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
const find = (list: DnsRecord[], type: string, name: string) =>
  list.find((r) => r.type === type && r.name === name);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-dns-'));
  mkdirSync(dataDir, { recursive: true });
  node = new NodeProcess(dataDir, ANY_PORTS_ARGS, { ...env, ...ANY_PORTS_ENV });
  ports = await node.start();
  expect(nimbus([...data(), 'domain', 'add', 'dns.test']).status).toBe(0);
  base = records();
});

afterAll(async () => {
  await node?.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

test('MX, SPF, DMARC, TLS-RPT, autoconfig names and SRV records with the ports the node bound', () => {
  const { records: list, notes } = base;
  expect(find(list, 'MX', 'dns.test')).toEqual({
    type: 'MX',
    name: 'dns.test',
    values: [{ priority: 10, host: 'mail.dns.test' }],
  });
  expect(find(list, 'TXT', 'dns.test')).toMatchObject({ values: ['v=spf1 mx -all'] });
  expect(find(list, 'TXT', '_dmarc.dns.test')).toMatchObject({
    values: ['v=DMARC1; p=quarantine; rua=mailto:postmaster@dns.test; adkim=r; aspf=r'],
  });
  expect(find(list, 'TXT', '_smtp._tls.dns.test')).toMatchObject({
    values: ['v=TLSRPTv1; rua=mailto:postmaster@dns.test'],
  });
  for (const label of ['mta-sts', 'autoconfig', 'autodiscover']) {
    expect(find(list, 'CNAME', `${label}.dns.test`)).toMatchObject({ target: 'mail.dns.test' });
  }
  const srv = (service: string) =>
    (find(list, 'SRV', `_${service}._tcp.dns.test`) as { values: unknown[] }).values;
  expect(srv('submissions')).toEqual([
    { priority: 0, weight: 1, port: ports.submissions, target: 'mail.dns.test' },
  ]);
  expect(srv('submission')).toEqual([
    { priority: 10, weight: 1, port: ports.submission, target: 'mail.dns.test' },
  ]);
  expect(srv('imaps')).toEqual([{ priority: 0, weight: 1, port: ports.imaps, target: 'mail.dns.test' }]);
  expect(srv('imap')).toEqual([{ priority: 10, weight: 1, port: ports.imap, target: 'mail.dns.test' }]);
  expect(srv('pop3s')).toEqual([{ priority: 0, weight: 1, port: ports.pop3s, target: 'mail.dns.test' }]);
  expect(srv('pop3')).toEqual([{ priority: 10, weight: 1, port: ports.pop3, target: 'mail.dns.test' }]);
  expect(notes.join('\n')).toMatch(/no DKIM key for dns\.test: nimbus dkim generate dns\.test/);
});

test('the _mta-sts id is the digest of the policy the node serves, and that policy names the MX', async () => {
  const list = base.records;
  const id = parseMtaStsRecord((find(list, 'TXT', '_mta-sts.dns.test') as { values: string[] }).values);
  const response = await fetch(`http://127.0.0.1:${ports.http}/.well-known/mta-sts.txt`, {
    headers: { host: 'mta-sts.dns.test' },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  const served = await response.text();
  expect(id).toBe(mtaStsPolicyId(served));
  // Parsed by our own relay's RFC 8461 parser, as a sending MTA would.
  expect(parseMtaStsPolicy(served)).toEqual({
    version: 'STSv1',
    mode: 'enforce',
    mx: ['mail.dns.test'],
    maxAge: 604800,
  });
});

test('the DKIM record appears once the domain has a key, and matches `nimbus dkim show`', () => {
  expect(nimbus([...data(), 'dkim', 'generate', 'dns.test', '--selector', 'sel1']).status).toBe(0);
  const shown = JSON.parse(nimbus([...data(), 'dkim', 'show', 'dns.test', '--json']).stdout) as {
    dns: { name: string; value: string };
  };
  const { records: list, notes } = records();
  expect(find(list, 'TXT', 'sel1._domainkey.dns.test')).toEqual({
    type: 'TXT',
    name: 'sel1._domainkey.dns.test',
    values: [shown.dns.value],
  });
  expect(notes.join('\n')).not.toMatch(/no DKIM key/);
});

test('BIND output: one line per value, absolute names, long TXT values split into 255-byte strings', () => {
  const result = nimbus([...data(), 'dns', 'records', 'dns.test', '--standard-ports', '--ttl', '300'], {
    env,
  });
  expect(result.status).toBe(0);
  const lines = result.stdout.split('\n').filter((l) => l && !l.startsWith(';'));
  expect(lines).toContainEqual(expect.stringMatching(/^dns\.test\.\s+300 IN MX\s+10 mail\.dns\.test\.$/));
  expect(lines).toContainEqual(
    expect.stringMatching(/^_imaps\._tcp\.dns\.test\.\s+300 IN SRV\s+0 1 993 mail\.dns\.test\.$/),
  );
  expect(lines).toContainEqual(
    expect.stringMatching(/^_submission\._tcp\.dns\.test\.\s+300 IN SRV\s+10 1 587 mail\.dns\.test\.$/),
  );
  const dkim = lines.find((l) => l.startsWith('sel1._domainkey.dns.test.'))!;
  const strings = [...dkim.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  expect(strings.length).toBeGreaterThan(1);
  for (const s of strings) expect(s.length).toBeLessThanOrEqual(255);
  expect(strings.join('')).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+$/);
});

test('options: DMARC policy, report address, SPF, web host; roles a node lacks get target "."', async () => {
  const [options, noPop] = await Promise.all([
    nimbusAsync([
      'dns',
      'records',
      'dns.test',
      '--json',
      '--dmarc-policy',
      'reject',
      '--report-address',
      'reports@dns.test',
      '--spf',
      'ip4:192.0.2.1 include:relay.example',
      '--web-host',
      'webmail.dns.test',
    ]),
    // A configuration without pop3 (what an `mx,submission,imap,…` node would print).
    nimbusAsync(['dns', 'records', 'dns.test', '--json'], {
      NIMBUS_ROLES: 'mx,submission,imap,delivery,mta,web',
    }),
  ]);
  expect(options).toMatchObject({ status: 0, stderr: '' });
  const list = (JSON.parse(options.stdout) as JsonResult).records;
  expect(find(list, 'TXT', '_dmarc.dns.test')).toMatchObject({
    values: ['v=DMARC1; p=reject; rua=mailto:reports@dns.test; adkim=r; aspf=r'],
  });
  expect(find(list, 'TXT', 'dns.test')).toMatchObject({
    values: ['v=spf1 ip4:192.0.2.1 include:relay.example -all'],
  });
  expect(find(list, 'CNAME', 'autoconfig.dns.test')).toMatchObject({ target: 'webmail.dns.test' });
  const pop = find((JSON.parse(noPop.stdout) as JsonResult).records, 'SRV', '_pop3s._tcp.dns.test');
  expect(pop).toMatchObject({ values: [{ priority: 0, weight: 0, port: 0, target: '.' }] });
});

test('errors: an unhosted domain is exit 3, bad options exit 5, one line on stderr each', async () => {
  const bad = [
    ['--dmarc-policy', 'maybe'],
    ['--spf', 'bad"quote'],
    ['--mail-host', 'not a host'],
    ['--ttl', '5'],
  ];
  const [unhosted, ...runs] = await Promise.all([
    nimbusAsync(['dns', 'records', 'other.test']),
    ...bad.map((args) => nimbusAsync(['dns', 'records', 'dns.test', ...args])),
  ]);
  expect(unhosted.status).toBe(3);
  expect(unhosted.stderr).toMatch(/other\.test is not hosted here/);
  runs.forEach((result, i) => {
    expect({ args: bad[i], status: result.status }).toEqual({ args: bad[i], status: 5 });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
