/** URLAUTH INTERNAL tokens (core/auth/urlauth-keys.ts) on PGlite: sign, verify, reset, properties. */
import fc from 'fast-check';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { UrlauthKeys } from '../../../core/auth/urlauth-keys';
import { runMigrations } from '../../../core/db/migrate';

let db: PgliteDatabase;
let keys: UrlauthKeys;
let account = 0;
let other = 0;
const box: Record<string, number> = {};

const id = (rows: { id: unknown }[]): number => Number(rows[0].id);

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  const domain = id(
    (await db.query<{ id: unknown }>(`INSERT INTO domains (name) VALUES ('k.test') RETURNING id`)).rows,
  );
  const add = async (address: string): Promise<number> =>
    id(
      (
        await db.query<{ id: unknown }>(
          `INSERT INTO accounts (domain_id, address, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
          [domain, address],
        )
      ).rows,
    );
  account = await add('ann@k.test');
  other = await add('ben@k.test');
  for (const [owner, name] of [
    [account, 'INBOX'],
    [account, 'Drafts'],
    [other, 'INBOX'],
  ] as const) {
    const row = await db.query<{ id: unknown }>(
      `INSERT INTO mailboxes (account_id, name) VALUES ($1, $2) RETURNING id`,
      [owner, name],
    );
    box[`${owner}/${name}`] = id(row.rows);
  }
  keys = new UrlauthKeys(db);
});

afterAll(async () => {
  await db.close();
});

const RUMP = 'imap://ann%40k.test@h/INBOX/;UID=1;URLAUTH=authuser';

test('a token verifies for its rump and mailbox only, as 64 hex digits', async () => {
  const inbox = box[`${account}/INBOX`];
  const token = await keys.sign(account, inbox, RUMP);
  expect(token).toMatch(/^[0-9a-f]{64}$/);
  expect(await keys.sign(account, inbox, RUMP)).toBe(token); // one key per mailbox, kept
  expect(await keys.verify(inbox, RUMP, token)).toBe(true);
  expect(await keys.verify(inbox, RUMP, token.toUpperCase())).toBe(true);
  expect(await keys.verify(inbox, RUMP + 'x', token)).toBe(false);
  expect(await keys.verify(inbox, RUMP, token.slice(0, 63))).toBe(false);
  expect(await keys.verify(box[`${account}/Drafts`], RUMP, token)).toBe(false);
  expect(await keys.sign(account, box[`${account}/Drafts`], RUMP)).not.toBe(token);
});

test('a mailbox of another account gets no key through this account', async () => {
  await expect(keys.sign(account, box[`${other}/INBOX`], RUMP)).rejects.toThrow('mailbox vanished');
  expect(await keys.verify(box[`${other}/INBOX`], RUMP, '0'.repeat(64))).toBe(false);
});

test('RESETKEY for one mailbox or all replaces the keys', async () => {
  const inbox = box[`${account}/INBOX`];
  const drafts = box[`${account}/Drafts`];
  const a = await keys.sign(account, inbox, RUMP);
  const b = await keys.sign(account, drafts, RUMP);
  const c = await keys.sign(other, box[`${other}/INBOX`], RUMP);
  await keys.reset(account, inbox);
  expect(await keys.verify(inbox, RUMP, a)).toBe(false);
  expect(await keys.verify(drafts, RUMP, b)).toBe(true);
  await keys.reset(account);
  expect(await keys.verify(drafts, RUMP, b)).toBe(false);
  expect(await keys.verify(box[`${other}/INBOX`], RUMP, c)).toBe(true); // other users untouched
  expect(await keys.sign(account, inbox, RUMP)).not.toBe(a);
});

test('property: sign/verify agree, and any other token or rump fails', async () => {
  const inbox = box[`${account}/INBOX`];
  await fc.assert(
    fc.asyncProperty(
      fc.string({ maxLength: 80 }),
      fc.stringMatching(/^[0-9a-f]{1,80}$/),
      async (rump, guess) => {
        const token = await keys.sign(account, inbox, rump);
        expect(await keys.verify(inbox, rump, token)).toBe(true);
        if (guess !== token) expect(await keys.verify(inbox, rump, guess)).toBe(false);
        expect(await keys.verify(inbox, rump + '/', token)).toBe(false);
      },
    ),
    { seed: 20261203, numRuns: 60 },
  );
});
