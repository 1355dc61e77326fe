/**
 * Debian's litmus (WebDAV compliance) against a plain collection of the node over HTTP (loopback
 * Basic auth): the basic, copymove, props and http suites must pass. Counts are printed.
 * ALLOWED lists litmus results we judge correct behaviour, with the RFC reason (none so far).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestNode, type TestNode } from '../helpers/in-process-node';

const run = promisify(execFile);
const USER = 'litmus@dav.test';
const PW = 'correct horse battery staple 1';
const ALLOWED: Record<string, string> = {};

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode({ 'imap.allowInsecureAuth': true });
  await node.admin({ op: 'domain.add', name: 'dav.test' });
  await node.admin({ op: 'user.add', address: USER, password: PW });
});
afterAll(() => node.destroy());

test.each(['basic', 'copymove', 'props', 'http'])('litmus %s', async (suite) => {
  const url = `http://127.0.0.1:${node.ports.http}/dav/calendars/${USER}/`;
  const result = await run('litmus', [url, USER, PW], {
    env: { ...process.env, TESTS: suite },
    cwd: '/tmp',
  }).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? '',
    stderr: error.stderr ?? '',
  }));
  const out = result.stdout;
  process.stdout.write(`litmus ${suite}:\n${out}\n`);
  const failed = [...out.matchAll(/^\s*\d+\.\s+(\S+)\.+\s*FAIL/gm)]
    .map((m) => m[1])
    .filter((name) => !ALLOWED[name]);
  const summary = /<- summary for `[^']+': of (\d+) tests run: (\d+) passed, (\d+) failed/.exec(out);
  expect(summary).not.toBeNull();
  expect(failed).toEqual([]);
});
