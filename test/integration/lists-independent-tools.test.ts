/**
 * A list member's copy and a bounce of it, checked by tools that are not ours (Debian packages,
 * /usr/bin/python3): python3-dkim verifies the list domain's DKIM signature and that h= covers
 * List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 §3.1); python3-flufl.bounce (Mailman's
 * bounce parser) finds the member in our RFC 3464 DSN to the VERP address, and Mailman's
 * verp_regexp decodes that address.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildDsn } from '../../core/dsn/dsn-builder';
import { memberCopy, oneClickUrl, splitBase } from '../../core/lists/posting/personalize';
import { arcSeal } from '../../core/lists/posting/sign';
import { buildListCopy } from '../../core/lists/posting/transform';
import { encodeVerp } from '../../core/lists/verp';
import { list, listKey, post } from '../unit/lists-posting/fixtures';

const run = promisify(execFile);
const SCRIPT = path.join(__dirname, 'python', 'lists_independent_tools.py');
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-lists-tools-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('python3-dkim verifies the member copy; python3-flufl.bounce reads our DSN to the VERP address', async () => {
  const { key, publicKey } = listKey();
  const base = await arcSeal(buildListCopy({ list, post: post(), authorPolicy: 'reject' }), key);
  const url = oneClickUrl('https://web.test', Buffer.alloc(32, 3), list.id, '42', new Date());
  const copy = await memberCopy(splitBase(base), list, url, key);
  const verp = encodeVerp(list.address, 'bob@remote.test');
  const dsn = buildDsn({
    reportingMta: 'mx.lists.test',
    to: verp,
    arrivalDate: new Date(),
    recipients: [
      {
        address: 'bob@remote.test',
        action: 'failed',
        status: '5.1.1',
        diagnostic: 'smtp; 550 5.1.1 no such user',
      },
    ],
    original: copy,
  });
  writeFileSync(path.join(dir, 'copy.eml'), copy);
  writeFileSync(path.join(dir, 'dsn.eml'), dsn);
  const result = await run(
    '/usr/bin/python3',
    [SCRIPT, path.join(dir, 'copy.eml'), publicKey, path.join(dir, 'dsn.eml')],
    {
      timeout: 60_000,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    },
  ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`independent tools failed:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
  });
  expect(result.stdout.trim().split('\n')).toEqual([
    'ok dkim verify',
    'ok dkim h= covers list-unsubscribe-post',
    'ok flufl.bounce finds the member',
    'ok mailman verp_regexp',
  ]);
});
