/**
 * core/pim on PGlite (and on PostgreSQL when NIMBUS_TEST_DATABASE_URL is set): default
 * collections, writes with ETag preconditions and UID uniqueness, the change log behind sync
 * tokens (limits, deletions, truncation after pruning), quotas, events, same-domain grants.
 */
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { PgDatabase } from '../../../core/adapters/postgres/pg-database';
import { runMigrations } from '../../../core/db/migrate';
import { pruneChanges } from '../../../core/pim/pim-changes';
import { accessTo, setGrant } from '../../../core/pim/pim-grants';
import { PimStore } from '../../../core/pim/pim-store';
import type { MailboxChange, MailboxEvents } from '../../../core/ports/events';
import type { SqlDatabase } from '../../../core/ports/sql';
import { createTestDatabaseUrl } from '../../helpers/test-database';

const published: MailboxChange[] = [];
const events: MailboxEvents = {
  publish: async (c) => void published.push(c),
  subscribe: () => () => undefined,
  close: async () => undefined,
};

let db: SqlDatabase;
let drop: () => Promise<void>;
const ids: Record<string, number> = {};

beforeAll(async () => {
  const database = await createTestDatabaseUrl();
  drop = database.drop;
  db = database.url
    ? new PgDatabase({ connectionString: database.url })
    : await PgliteDatabase.open(undefined);
  await runMigrations(db);
  for (const domain of ['a.test', 'b.test']) {
    const d = await db.query<{ id: string }>(`INSERT INTO domains (name) VALUES ($1) RETURNING id`, [domain]);
    for (const local of ['ann', 'ben']) {
      const r = await db.query<{ id: string }>(
        `INSERT INTO accounts (domain_id, address, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
        [d.rows[0].id, `${local}@${domain}`],
      );
      ids[`${local}@${domain}`] = Number(r.rows[0].id);
    }
  }
});
afterAll(async () => {
  await db.close();
  await drop();
});

const text = (n: number) => `file ${n}`;

test('defaults, writes with preconditions, change log and sync tokens', async () => {
  const store = new PimStore(db, events, { maxObjectsPerAccount: 5 });
  const ann = ids['ann@a.test'];
  const calendars = await store.collections(ann, 'calendars');
  expect(calendars.map((c) => c.name)).toEqual(['inbox', 'outbox', 'personal']);
  const box = await store.createCollection(ann, 'calendars', { kind: 'collection', name: 'files' });
  const start = box.syncRevision;
  const a = await store.objects.put(box, { name: 'a', data: text(1), contentType: 'text/plain', uid: '' });
  expect(a.created).toBe(true);
  await expect(
    store.objects.put(
      box,
      { name: 'a', data: text(2), contentType: 'text/plain', uid: '' },
      { ifNoneMatch: '*' },
    ),
  ).rejects.toMatchObject({ code: 'precondition-failed' });
  await expect(
    store.objects.put(
      box,
      { name: 'a', data: text(2), contentType: 'text/plain', uid: '' },
      { ifMatch: ['"x"'] },
    ),
  ).rejects.toMatchObject({ code: 'precondition-failed' });
  await store.objects.put(
    box,
    { name: 'a', data: text(2), contentType: 'text/plain', uid: '' },
    { ifMatch: [a.object.etag] },
  );
  await store.objects.put(box, { name: 'b', data: text(3), contentType: 'text/plain', uid: '' });
  await store.objects.delete(box, 'b');
  const now = (await store.collection(ann, 'calendars', 'files'))!;
  const changes = await store.changes(now, start);
  expect(changes.changed.map((o) => o.name)).toEqual(['a']);
  expect(changes.deleted).toEqual(['b']);
  expect(changes.revision).toBe(now.syncRevision);
  const limited = await store.changes(now, start, 1);
  expect(limited.changed.length + limited.deleted.length).toBe(1);
  expect(limited.revision).toBeLessThan(now.syncRevision);
  expect(published.some((c) => c.kind === 'pim' && c.collectionId === box.id)).toBe(true);
  // Pruning moves the horizon: a token from before it is truncated.
  await pruneChanges(db, box.id, now.syncRevision, {
    maxResourceSize: 1,
    maxObjectsPerAccount: 1,
    changeRetentionDays: 90,
    changeRetentionRevisions: 0,
  });
  const pruned = (await store.collection(ann, 'calendars', 'files'))!;
  expect((await store.changes(pruned, start)).truncated).toBe(true);
  expect((await store.changes(pruned, pruned.syncRevision)).truncated).toBe(false);
});

test('UID uniqueness, size and object quotas', async () => {
  const store = new PimStore(db, events, { maxObjectsPerAccount: 3, maxResourceSize: 100 });
  const ben = ids['ben@a.test'];
  const book = (await store.collection(ben, 'addressbooks', 'contacts'))!;
  await store.objects.put(book, { name: 'x.vcf', data: 'x', contentType: 'text/vcard', uid: 'u1' });
  await expect(
    store.objects.put(book, { name: 'y.vcf', data: 'y', contentType: 'text/vcard', uid: 'u1' }),
  ).rejects.toMatchObject({
    code: 'uid-conflict',
    existing: 'x.vcf',
  });
  await expect(
    store.objects.put(book, { name: 'big.vcf', data: 'z'.repeat(101), contentType: 'text/vcard', uid: 'u9' }),
  ).rejects.toMatchObject({ code: 'too-large' });
  await store.objects.put(book, { name: 'y.vcf', data: 'y', contentType: 'text/vcard', uid: 'u2' });
  await store.objects.put(book, { name: 'z.vcf', data: 'z', contentType: 'text/vcard', uid: 'u3' });
  await expect(
    store.objects.put(book, { name: 'w.vcf', data: 'w', contentType: 'text/vcard', uid: 'u4' }),
  ).rejects.toMatchObject({ code: 'quota' });
});

test('grants: same domain only; access as seen by each account', async () => {
  const store = new PimStore(db, null);
  const ann = ids['ann@a.test'];
  const personal = (await store.collection(ann, 'calendars', 'personal'))!;
  await setGrant(db, personal, 'ben@a.test', 'read');
  await expect(setGrant(db, personal, 'ann@b.test', 'read')).rejects.toMatchObject({ code: 'conflict' });
  expect(await accessTo(db, personal, ann)).toBe('owner');
  expect(await accessTo(db, personal, ids['ben@a.test'])).toBe('read');
  expect(await accessTo(db, personal, ids['ann@b.test'])).toBeNull();
  // A grant row planted across domains (bypassing setGrant) still gives nothing.
  await db.query(`INSERT INTO pim_grants (collection_id, grantee_id, access) VALUES ($1, $2, 'read-write')`, [
    personal.id,
    ids['ben@b.test'],
  ]);
  expect(await accessTo(db, personal, ids['ben@b.test'])).toBeNull();
});

test('concurrent creators of one name: one wins, the other fails its precondition (no 500)', async () => {
  const store = new PimStore(db, null);
  const ann = ids['ann@b.test'];
  const box = await store.createCollection(ann, 'calendars', { kind: 'collection', name: 'race' });
  const attempts = await Promise.allSettled(
    [1, 2, 3, 4].map((n) =>
      store.objects.put(
        box,
        { name: 'same', data: text(n), contentType: 'text/plain', uid: '' },
        { ifNoneMatch: '*' },
      ),
    ),
  );
  expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
  for (const a of attempts.filter((x) => x.status === 'rejected'))
    expect((a as PromiseRejectedResult).reason).toMatchObject({ code: 'precondition-failed' });
});
