/** The hourly limits of mail sent on a user's behalf (forwards, auto-replies, DSNs), over PGlite. */
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import { AutomaticLimits } from '../../../core/outbound/automatic-limits';
import { SqlSendCounters } from '../../../core/outbound/sql-send-counters';

let db: PgliteDatabase;
let now = new Date('2026-12-04T10:05:00Z');

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
});
afterAll(async () => db.close());

const limits = (forwardsPerHour = 2, autoRepliesPerHour = 1, dsnsPerHour = 0) =>
  new AutomaticLimits(
    new SqlSendCounters(db),
    { forwardsPerHour, autoRepliesPerHour, dsnsPerHour },
    () => now,
  );

test('admits up to the hourly limit per kind and address, then refuses without counting', async () => {
  const l = limits();
  expect(await l.admit('forward', 'Fay@x.test')).toBe(true);
  expect(await l.admit('forward', 'fay@x.test')).toBe(true);
  expect(await l.admit('forward', 'fay@x.test')).toBe(false);
  expect(await l.admit('forward', 'fay@x.test')).toBe(false);
  // Another address and another kind have their own counts.
  expect(await l.admit('forward', 'gus@x.test')).toBe(true);
  expect(await l.admit('auto-reply', 'fay@x.test')).toBe(true);
  expect(await l.admit('auto-reply', 'fay@x.test')).toBe(false);
});

test('the next hour starts afresh; 0 means no limit', async () => {
  const l = limits();
  now = new Date('2026-12-04T11:00:01Z');
  expect(await l.admit('forward', 'fay@x.test')).toBe(true);
  for (let i = 0; i < 5; i++) expect(await l.admit('dsn', 'sender@remote.test')).toBe(true);
});

test('limits count cluster-wide: two instances on one database share the hour', async () => {
  now = new Date('2026-12-04T12:00:01Z');
  const [a, b] = [limits(1), limits(1)];
  expect(await a.admit('forward', 'hal@x.test')).toBe(true);
  expect(await b.admit('forward', 'hal@x.test')).toBe(false);
});
