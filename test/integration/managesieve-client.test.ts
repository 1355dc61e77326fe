/**
 * Debian's sieve-connect (a Perl ManageSieve client, independent of our code) against the node's
 * managesieve listener: STARTTLS verified against a test CA, AUTHENTICATE PLAIN, then upload, list,
 * activate, download, check, deactivate and delete, each as its own sieve-connect run.
 * .ci/run installs the package.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestNode, type TestNode } from '../helpers/in-process-node';
import { makeTestCa, makeTestLeaf } from '../helpers/test-certificates';

const USER = 'sc@sieve.test';
const PW = 'sieve-connect-password-1';
const FILTER = 'require "fileinto";\nif header :contains "subject" "offer" {\n  fileinto "Junk";\n}\n';
const BROKEN = 'require "fileinto";\nif header :contains "subject" {\n  fileinto "Junk";\n}\n';

let node: TestNode;
let dir: string;

beforeAll(async () => {
  const ca = await makeTestCa();
  const leaf = await makeTestLeaf({ names: ['sieve.test.example'], ca });
  dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-sieve-connect-'));
  writeFileSync(path.join(dir, 'cert.pem'), leaf.certPem);
  writeFileSync(path.join(dir, 'key.pem'), leaf.keyPem);
  writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
  writeFileSync(path.join(dir, 'filter.sieve'), FILTER);
  writeFileSync(path.join(dir, 'broken.sieve'), BROKEN);
  node = await startTestNode({
    roles: 'managesieve',
    'tls.certPath': path.join(dir, 'cert.pem'),
    'tls.keyPath': path.join(dir, 'key.pem'),
  });
  await node.admin({ op: 'domain.add', name: 'sieve.test' });
  await node.admin({ op: 'user.add', address: USER, password: PW });
});

afterAll(async () => {
  await node?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** One sieve-connect run; the password goes in on stdin (--passwordfd 0), never on the command line. */
function sieveConnect(...action: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [
    ...['--server', '127.0.0.1', '--port', String(node.ports.managesieve), '--user', USER],
    ...['--passwordfd', '0', '--authmech', 'PLAIN', '--noclearauth'],
    ...['--tlscafile', path.join(dir, 'ca.pem'), '--tlshostname', 'sieve.test.example'],
    ...action,
  ];
  return new Promise((resolve) => {
    const child = execFile('sieve-connect', args, { timeout: 30_000, cwd: dir }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(`${PW}\n`);
  });
}

it('uploads, lists, activates, downloads, checks and deletes scripts with sieve-connect', async () => {
  const upload = await sieveConnect('--upload', '--localsieve', 'filter.sieve', '--remotesieve', 'filter');
  expect(upload).toMatchObject({ code: 0 });
  expect(
    await sieveConnect('--upload', '--localsieve', 'filter.sieve', '--remotesieve', 'spare'),
  ).toMatchObject({
    code: 0,
  });
  expect((await sieveConnect('--list')).stdout.trim().split('\n')).toEqual(['"filter"', '"spare"']);

  expect(await sieveConnect('--activate', '--remotesieve', 'filter')).toMatchObject({ code: 0 });
  expect((await sieveConnect('--list')).stdout).toMatch(/^"filter" ACTIVE$/m);

  expect(
    await sieveConnect('--download', '--remotesieve', 'filter', '--localsieve', 'downloaded.sieve'),
  ).toMatchObject({ code: 0 });
  expect(readFileSync(path.join(dir, 'downloaded.sieve'), 'utf8')).toBe(FILTER);

  // A script that does not compile: refused, with the position, and not stored.
  const broken = await sieveConnect('--upload', '--localsieve', 'broken.sieve', '--remotesieve', 'broken');
  expect(broken.code).not.toBe(0);
  expect(broken.stderr).toMatch(/line 2, column \d+/);
  const check = await sieveConnect('--checkscript', '--localsieve', 'broken.sieve');
  expect(check.stderr).toMatch(/line 2, column \d+/);
  expect(await sieveConnect('--checkscript', '--localsieve', 'filter.sieve')).toMatchObject({ code: 0 });

  // The active script cannot be deleted until it is deactivated.
  const activeDelete = await sieveConnect('--delete', '--remotesieve', 'filter');
  expect(activeDelete.code).not.toBe(0);
  expect(activeDelete.stderr).toMatch(/ACTIVE|active script/i);
  expect(await sieveConnect('--deactivate')).toMatchObject({ code: 0 });
  expect(await sieveConnect('--delete', '--remotesieve', 'filter')).toMatchObject({ code: 0 });
  expect(await sieveConnect('--delete', '--remotesieve', 'spare')).toMatchObject({ code: 0 });
  expect((await sieveConnect('--list')).stdout.trim()).toBe('');
}, 120_000);

it('reports a wrong password as a failed authentication', async () => {
  const args = ['--server', '127.0.0.1', '--port', String(node.ports.managesieve), '--user', USER];
  const tlsArgs = ['--tlscafile', path.join(dir, 'ca.pem'), '--tlshostname', 'sieve.test.example'];
  const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
    const child = execFile(
      'sieve-connect',
      [...args, ...tlsArgs, '--passwordfd', '0', '--authmech', 'PLAIN', '--list'],
      { timeout: 30_000, cwd: dir },
      (error, _stdout, stderr) => resolve({ code: error ? 1 : 0, stderr }),
    );
    child.stdin!.end('not-the-password\n');
  });
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/Authentication failed/);
}, 60_000);
