/**
 * `nimbus smoke` (the real CLI, in its own process) against a real node whose certificate is
 * signed by a test CA the CLI trusts (NODE_EXTRA_CA_CERTS), as a deployment's would be by a
 * public CA: a full pass leaves nothing behind; each kind of breakage fails at its own check.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { folderTexts } from '../helpers/mailbox-contents';
import { freePort } from '../helpers/ports';
import { makeTestCa, makeTestLeaf } from '../helpers/test-certificates';

const BIN = path.resolve(__dirname, '../../bin/nimbus.cjs');
const PASSWORD = 'Quartz-Ferry-Lodge-31';
let node: TestNode;
let dir: string;
let caFile: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `nimbus smoke …` (async, so the in-process node keeps serving meanwhile). */
function smoke(args: string[], options: { password?: string; trustCa?: boolean } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'smoke', ...args], {
      env: { ...process.env, ...(options.trustCa === false ? {} : { NODE_EXTRA_CA_CERTS: caFile }) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(`${options.password ?? PASSWORD}\n`);
  });
}

const endpoints = (tls: 'implicit' | 'starttls' = 'implicit') => [
  '--smtp',
  `127.0.0.1:${tls === 'implicit' ? node.ports.submissions : node.ports.submission}`,
  '--imap',
  `127.0.0.1:${tls === 'implicit' ? node.ports.imaps : node.ports.imap}`,
  '--user',
  'smoke@smoke.test',
  '--password-stdin',
  '--tls',
  tls,
];

/** "check  RESULT  detail" rows of the table, as {check: RESULT}. */
const table = (stdout: string) =>
  Object.fromEntries(
    stdout
      .split('\n')
      .slice(1)
      .map((line) => /^(\S+)\s+(PASS|FAIL|SKIP)\b/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-smoke-'));
  const ca = await makeTestCa();
  const leaf = await makeTestLeaf({ names: ['mail.smoke.test'], ca });
  caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  writeFileSync(path.join(dir, 'cert.pem'), leaf.certPem);
  writeFileSync(path.join(dir, 'key.pem'), leaf.keyPem, { mode: 0o600 });
  node = await startTestNode({
    hostname: 'mail.smoke.test',
    'tls.certPath': path.join(dir, 'cert.pem'),
    'tls.keyPath': path.join(dir, 'key.pem'),
  });
  await node.admin({ op: 'domain.add', name: 'smoke.test' });
  await node.admin({ op: 'user.add', address: 'smoke@smoke.test', password: PASSWORD });
});

afterAll(async () => {
  await node?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test('implicit TLS: every check passes, exit 0, and neither the message nor its Sent copy is left', async () => {
  const run = await smoke(endpoints('implicit'));
  expect(run.stderr).toBe('');
  expect(table(run.stdout)).toEqual({
    connect: 'PASS',
    tls: 'PASS',
    auth: 'PASS',
    submit: 'PASS',
    delivered: 'PASS',
    'read-back': 'PASS',
    cleanup: 'PASS',
  });
  expect(run.stdout).toMatch(/certificates verified/);
  expect(run.stdout).toMatch(/smoke test passed/);
  expect(run.status).toBe(0);
  expect(await folderTexts(node, 'smoke@smoke.test')).toEqual([]);
  // The Sent copy is saved after the 250 and removed by cleanup when it is already there.
  await eventually(async () =>
    (await folderTexts(node, 'smoke@smoke.test', 'Sent')).every((m) => !m.includes('X-Nimbus-Smoke')),
  );
});

test('STARTTLS on submission and IMAP, JSON output', async () => {
  const run = await smoke([...endpoints('starttls'), '--json']);
  expect(run).toMatchObject({ status: 0, stderr: '' });
  const report = JSON.parse(run.stdout) as { passed: boolean; results: { check: string; status: string }[] };
  expect(report.passed).toBe(true);
  expect(report.results.map((r) => `${r.check}:${r.status}`)).toEqual([
    'connect:pass',
    'tls:pass',
    'auth:pass',
    'submit:pass',
    'delivered:pass',
    'read-back:pass',
    'cleanup:pass',
  ]);
});

test('a wrong password fails at auth; later checks are skipped; exit 1', async () => {
  const run = await smoke(endpoints(), { password: 'not-the-password' });
  expect(table(run.stdout)).toMatchObject({
    connect: 'PASS',
    tls: 'PASS',
    auth: 'FAIL',
    submit: 'SKIP',
    cleanup: 'SKIP',
  });
  expect(run.stdout).toMatch(/smoke test FAILED/);
  expect(run.stdout).not.toContain('not-the-password');
  expect(run.status).toBe(1);
});

test('a certificate the client does not trust fails at tls, unless --insecure', async () => {
  const untrusted = await smoke(endpoints(), { trustCa: false });
  expect(untrusted).toMatchObject({ status: 1 });
  expect(table(untrusted.stdout)).toMatchObject({ connect: 'PASS', tls: 'FAIL', auth: 'SKIP' });
  expect(untrusted.status).toBe(1);
  const insecure = await smoke([...endpoints(), '--insecure'], { trustCa: false });
  expect(table(insecure.stdout)).toMatchObject({ tls: 'PASS', cleanup: 'PASS' });
  expect(insecure.stdout).toMatch(/NOT verified \(--insecure\)/);
  expect(insecure.status).toBe(0);
});

test('nothing listening fails at connect; bad arguments are usage errors (exit 5)', async () => {
  const closed = await freePort();
  const run = await smoke(['--smtp', `127.0.0.1:${closed}`, ...endpoints().slice(2)]);
  expect(table(run.stdout)).toMatchObject({ connect: 'FAIL', tls: 'SKIP' });
  expect(run.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1:${closed}`));
  expect(run.status).toBe(1);
  const badTls = await smoke([...endpoints(), '--tls', 'none']);
  expect(badTls.status).toBe(5);
  expect(badTls.stderr).toMatch(/--tls must be implicit or starttls/);
  const noStdin = await smoke(endpoints().filter((a) => a !== '--password-stdin'));
  expect(noStdin.status).toBe(5);
});
