/**
 * python3-caldav (Debian, /usr/bin/python3) against a node's CalDAV server over HTTP: principal
 * discovery from /.well-known/caldav, calendars, saving events, a date search across a recurring
 * event in Europe/Berlin (client-side expand on a server time-range), sync tokens (RFC 6578), and an
 * invitation to a local user arriving in their schedule inbox and calendar (RFC 6638).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { WebHarness } from '../e2e/web-harness';

const run = promisify(execFile);
const SCRIPT = path.join(__dirname, 'python', 'dav_caldav_client.py');

let h: WebHarness;
beforeAll(async () => {
  h = await WebHarness.start();
  await h.addUser('alice@cal.test', 'Secret-pass-1');
  await h.addUser('bob@cal.test', 'Secret-pass-2');
});
afterAll(async () => {
  await h?.node.destroy();
});

test('python3-caldav: principal, calendars, save, date search, sync tokens, scheduling inbox', async () => {
  const result = await run(
    '/usr/bin/python3',
    [SCRIPT, h.base, 'alice@cal.test', 'Secret-pass-1', 'bob@cal.test', 'Secret-pass-2'],
    { timeout: 90_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
  ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`python3-caldav failed:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
  });
  const steps = result.stdout.trim().split('\n');
  expect(steps).toEqual([
    'ok principal',
    'ok calendars',
    'ok sync-token',
    'ok save',
    'ok date-search-recurring',
    'ok date-search-empty',
    'ok date-search-single',
    'ok sync-changes',
    'ok sync-nothing-new',
    'ok schedule-inbox',
    'ok invitation-in-calendar',
    'done',
  ]);
});
