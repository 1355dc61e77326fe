/**
 * core/store/mailbox-access.ts on PGlite: name resolution in the shared namespace, effective
 * rights with "anyone" and negative entries, ACL inheritance on CREATE, cascades, and a property:
 * whatever grants exist, nobody ever resolves or lists a mailbox of another domain.
 */
import fc from 'fast-check';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import type { MailboxEvents } from '../../../core/ports/events';
import { MailboxAccess, type Principal } from '../../../core/store/mailbox-access';
import { MailboxAdmin } from '../../../core/store/mailbox-admin';

let db: PgliteDatabase;
let access: MailboxAccess;
let admin: MailboxAdmin;
const users: Record<string, Principal & { address: string }> = {};
const boxes: Record<string, number> = {};

const events: MailboxEvents = {
  publish: async () => undefined,
  subscribe: () => () => undefined,
  close: async () => undefined,
};

const id = (rows: { id: unknown }[]): number => Number(rows[0].id);

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  access = new MailboxAccess(db);
  admin = new MailboxAdmin(db, events);
  for (const domain of ['a.test', 'b.test']) {
    const domainId = id(
      (await db.query<{ id: unknown }>(`INSERT INTO domains (name) VALUES ($1) RETURNING id`, [domain])).rows,
    );
    for (const local of ['ann', 'ben', 'cat']) {
      const address = `${local}@${domain}`;
      const accountId = id(
        (
          await db.query<{ id: unknown }>(
            `INSERT INTO accounts (domain_id, address, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
            [domainId, address],
          )
        ).rows,
      );
      users[address] = { id: accountId, domainId, address };
      for (const name of ['INBOX', 'Team', 'Team/Sub']) {
        const created = await admin.create(accountId, name);
        boxes[`${address}:${name}`] =
          (created.ok ? created.mailbox?.id : undefined) ?? (await admin.get(accountId, name))!.id;
      }
    }
  }
});

afterAll(async () => db.close());

const grant = (box: string, who: string | null, rights: string, negative = false) =>
  access.setAcl(boxes[box], { id: who === null ? null : users[who].id, negative }, 'set', rights);

it('resolves own names with all rights and shared names with the granted ones', async () => {
  const ann = users['ann@a.test'];
  expect((await access.resolve(ann, 'Team'))?.rights).toBe('lrwstipekxa');
  // An existing mailbox without rights resolves with none: callers answer it like a missing one,
  // and CREATE must stop at it rather than climb to a parent that grants "k".
  expect((await access.resolve(users['ben@a.test'], 'Other Users/ann@a.test/Team'))?.rights).toBe('');
  await grant('ann@a.test:Team', 'ben@a.test', 'lr');
  const found = await access.resolve(users['ben@a.test'], 'Other Users/ann@a.test/Team');
  expect(found).toMatchObject({ rights: 'lr', ownerId: ann.id, shared: true });
  expect(found?.mailbox.name).toBe('Team');
  // Only the canonical spelling, and never one's own mailboxes through the shared namespace.
  expect(await access.resolve(users['ben@a.test'], 'Other Users/ANN@a.test/Team')).toBeNull();
  expect(await access.resolve(ann, 'Other Users/ann@a.test/Team')).toBeNull();
  expect(await access.resolve(ann, 'Other Users')).toBeNull();
  expect(await access.resolve(ann, 'Other Users/ben@a.test')).toBeNull();
});

it('combines "anyone" and negative entries; anyone stays inside the domain', async () => {
  await grant('ann@a.test:INBOX', null, 'lrs');
  await grant('ann@a.test:INBOX', 'cat@a.test', 's', true);
  expect((await access.resolve(users['ben@a.test'], 'Other Users/ann@a.test/INBOX'))?.rights).toBe('lrs');
  expect((await access.resolve(users['cat@a.test'], 'Other Users/ann@a.test/INBOX'))?.rights).toBe('lr');
  expect(await access.resolve(users['ann@b.test'], 'Other Users/ann@a.test/INBOX')).toBeNull();
  expect(await access.sharedWith(users['ben@b.test'])).toEqual([]);
  expect(await access.grantee(users['ann@a.test'].id, 'ben@b.test')).toBeNull();
});

it('CREATE inherits the nearest parent ACL; deleting the mailbox or the grantee drops grants', async () => {
  await grant('ann@a.test:Team/Sub', 'cat@a.test', 'lrk');
  await admin.create(users['ann@a.test'].id, 'Team/Sub/New/Deeper');
  const deeper = await access.resolve(users['cat@a.test'], 'Other Users/ann@a.test/Team/Sub/New/Deeper');
  expect(deeper?.rights).toBe('lrk');
  expect((await access.resolve(users['cat@a.test'], 'Other Users/ann@a.test/Team/Sub/New'))?.rights).toBe(
    'lrk',
  );
  await admin.delete(users['ann@a.test'].id, 'Team/Sub/New/Deeper');
  const left = await db.query(`SELECT 1 FROM mailbox_acl WHERE mailbox_id = $1`, [deeper!.mailbox.id]);
  expect(left.rows).toEqual([]);
  await db.query(`DELETE FROM accounts WHERE id = $1`, [users['cat@a.test'].id]);
  const grants = await db.query(`SELECT 1 FROM mailbox_acl WHERE grantee_id = $1`, [users['cat@a.test'].id]);
  expect(grants.rows).toEqual([]);
});

it('never resolves or lists a mailbox of another domain, whatever the grants', async () => {
  const names = Object.keys(boxes).filter((k) => !k.startsWith('cat@a.test'));
  const people = Object.keys(users).filter((u) => u !== 'cat@a.test');
  const entry = fc.record({
    box: fc.constantFrom(...names),
    who: fc.option(fc.constantFrom(...people), { nil: null }),
    rights: fc.constantFrom('l', 'lr', 'lrswipkxtea', 'a'),
    negative: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(entry, { maxLength: 6 }),
      fc.constantFrom(...people),
      async (entries, viewer) => {
        await db.query(`DELETE FROM mailbox_acl`);
        for (const e of entries) {
          // Grants are only made through grantee(), which refuses other domains; insert directly
          // to check that even a stray cross-domain row is never honoured.
          await grant(e.box, e.who, e.rights, e.negative);
        }
        const user = users[viewer];
        for (const m of await access.sharedWith(user)) {
          expect(m.ownerAddress.split('@')[1]).toBe(viewer.split('@')[1]);
        }
        for (const box of names) {
          const [owner, name] = box.split(':');
          const found = await access.resolve(user, `Other Users/${owner}/${name}`);
          if (owner.split('@')[1] !== viewer.split('@')[1]) expect(found).toBeNull();
        }
      },
    ),
    { seed: 20261203, numRuns: 25 },
  );
});
