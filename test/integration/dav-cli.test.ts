/** `nimbus dav share|unshare|shares` against the database (no running node): grants, refusals, audit. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nimbus } from '../helpers/node-process';

let dataDir: string;
const run = (...args: string[]) => nimbus(['--data', dataDir, ...args]);
const PW = 'Quartz-Ferry-Lodge-31';

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-dav-cli-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('share, list, unshare; other domains and unknown collections refused', () => {
  for (const d of ['one.test', 'two.test']) expect(run('domain', 'add', d).status).toBe(0);
  for (const u of ['ann@one.test', 'ben@one.test', 'cid@two.test'])
    expect(run('user', 'add', u, '--password', PW).status).toBe(0);
  const shared = run(
    'dav',
    'share',
    'ann@one.test',
    'calendars/personal',
    '--with',
    'ben@one.test',
    '--access',
    'read-write',
  );
  expect(shared).toMatchObject({ status: 0 });
  expect(shared.stdout).toContain('read-write');
  expect(run('dav', 'share', 'ann@one.test', 'personal', '--with', 'cid@two.test').status).toBe(5);
  expect(run('dav', 'share', 'ann@one.test', 'calendars/nothing', '--with', 'ben@one.test').status).toBe(3);
  const list = JSON.parse(run('dav', 'shares', 'ann@one.test', '--json').stdout) as {
    grantee: string;
    access: string;
  }[];
  expect(list).toEqual([expect.objectContaining({ grantee: 'ben@one.test', access: 'read-write' })]);
  expect(run('dav', 'unshare', 'ann@one.test', 'calendars/personal', '--with', 'ben@one.test').status).toBe(
    0,
  );
  expect(run('dav', 'unshare', 'ann@one.test', 'calendars/personal', '--with', 'ben@one.test').status).toBe(
    3,
  );
  expect(run('dav', 'shares', 'ann@one.test').stdout).toContain('no shares');
});
