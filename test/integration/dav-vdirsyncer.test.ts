/**
 * vdirsyncer (Debian) between the node (a caldav and a carddav storage) and local folders:
 * discover, sync, change both sides, sync again, compare what each side holds.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestNode, type TestNode } from '../helpers/in-process-node';

const run = promisify(execFile);
const USER = 'sync@dav.test';
const PW = 'correct horse battery staple 1';

let node: TestNode;
let dir: string;
let config: string;

const basic = { authorization: 'Basic ' + Buffer.from(`${USER}:${PW}`).toString('base64') };
const ics = (uid: string, summary: string) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    'DTSTART:20260201T100000Z',
    'DURATION:PT1H',
    `SUMMARY:${summary}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
const vcf = (uid: string, fn: string) =>
  ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${fn}`, `N:${fn};;;;`, 'END:VCARD', ''].join('\r\n');

async function vdirsyncer(...args: string[]): Promise<string> {
  const child = run('vdirsyncer', ['-c', config, ...args], { cwd: dir });
  child.child.stdin?.end('y\ny\ny\ny\n');
  const { stdout, stderr } = await child;
  return stdout + stderr;
}

const remote = (p: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${node.ports.http}${p}`, {
    ...init,
    headers: { ...basic, ...(init.headers ?? {}) },
  });

beforeAll(async () => {
  node = await startTestNode({ 'imap.allowInsecureAuth': true });
  await node.admin({ op: 'domain.add', name: 'dav.test' });
  await node.admin({ op: 'user.add', address: USER, password: PW });
  dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-vdirsyncer-'));
  const base = `http://127.0.0.1:${node.ports.http}/`;
  config = path.join(dir, 'config');
  writeFileSync(
    config,
    `[general]
status_path = "${dir}/status/"

[pair cal]
a = "cal_remote"
b = "cal_local"
collections = ["personal"]
conflict_resolution = "a wins"

[storage cal_remote]
type = "caldav"
url = "${base}"
username = "${USER}"
password = "${PW}"

[storage cal_local]
type = "filesystem"
path = "${dir}/cal/"
fileext = ".ics"

[pair card]
a = "card_remote"
b = "card_local"
collections = ["contacts"]
conflict_resolution = "a wins"

[storage card_remote]
type = "carddav"
url = "${base}"
username = "${USER}"
password = "${PW}"

[storage card_local]
type = "filesystem"
path = "${dir}/card/"
fileext = ".vcf"
`,
  );
  mkdirSync(path.join(dir, 'cal'), { recursive: true });
  mkdirSync(path.join(dir, 'card'), { recursive: true });
});
afterAll(async () => {
  await node.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const localFiles = (sub: string) => readdirSync(path.join(dir, sub)).sort();
const localTexts = (sub: string) => localFiles(sub).map((f) => readFileSync(path.join(dir, sub, f), 'utf8'));

test('discover, sync both ways, change both sides, sync again', async () => {
  expect(
    (
      await remote(`/dav/calendars/${USER}/personal/r1.ics`, {
        method: 'PUT',
        headers: { 'content-type': 'text/calendar' },
        body: ics('r1', 'From the server'),
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await remote(`/dav/addressbooks/${USER}/contacts/r1.vcf`, {
        method: 'PUT',
        headers: { 'content-type': 'text/vcard' },
        body: vcf('r1', 'Server Person'),
      })
    ).status,
  ).toBe(201);
  await remote(`/dav/addressbooks/${USER}/contacts/r2.vcf`, {
    method: 'PUT',
    headers: { 'content-type': 'text/vcard' },
    body: vcf('r2', 'Another Person'),
  });
  await vdirsyncer('discover');
  await vdirsyncer('sync');
  expect(localFiles('cal/personal')).toHaveLength(1);
  expect(localTexts('cal/personal')[0]).toContain('From the server');
  expect(localTexts('card/contacts').join('')).toContain('Server Person');

  writeFileSync(path.join(dir, 'cal/personal/l1.ics'), ics('l1', 'From the folder'));
  writeFileSync(path.join(dir, 'card/contacts/l1.vcf'), vcf('l1', 'Folder Person'));
  await remote(`/dav/calendars/${USER}/personal/r2.ics`, {
    method: 'PUT',
    headers: { 'content-type': 'text/calendar' },
    body: ics('r2', 'Second from the server'),
  });
  await remote(`/dav/addressbooks/${USER}/contacts/r1.vcf`, { method: 'DELETE' });
  await vdirsyncer('sync');

  const calendar = await (await remote(`/dav/calendars/${USER}/personal/`)).text();
  expect(calendar.split('\n').filter(Boolean)).toHaveLength(3);
  expect(localTexts('cal/personal').join('')).toContain('Second from the server');
  expect(localFiles('cal/personal')).toHaveLength(3);
  const book = (await (await remote(`/dav/addressbooks/${USER}/contacts/`)).text())
    .split('\n')
    .filter(Boolean);
  expect(book).toHaveLength(2);
  expect(book.some((href) => href.endsWith('/l1.vcf'))).toBe(true);
  const cards = localTexts('card/contacts');
  expect(cards).toHaveLength(2);
  expect(cards.join('')).toContain('Folder Person');
  expect(cards.join('')).not.toContain('Server Person');
});
