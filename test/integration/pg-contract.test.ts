/**
 * The SQL, Spool and Events contracts on PostgreSQL (127.0.0.1:5432, NIMBUS_TEST_DATABASE_URL),
 * plus the Data API adapter against an emulation of the Data API's request/response shapes over
 * the same PostgreSQL (the real service cannot run outside AWS), and the failure behaviour when a
 * connection is dropped mid-transaction or the LISTEN connection is killed.
 */
import pg from 'pg';
import { DataApiDatabase } from '../../core/adapters/aws/data-api-database';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { PgEvents } from '../../core/adapters/postgres/pg-events';
import { SqlSpool } from '../../core/adapters/sql/sql-spool';
import { runMigrations } from '../../core/db/migrate';
import type { MailboxChange } from '../../core/ports/events';
import { StorageUnavailableError } from '../../core/ports/sql';
import { DataApiEmulator } from '../contracts/data-api-emulator';
import { eventsContract } from '../contracts/events';
import { spoolContract } from '../contracts/spool';
import { sqlContract } from '../contracts/sql';
import { createTestDatabaseUrl } from '../helpers/test-database';

process.env.NIMBUS_TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

let url: string;
let drop: () => Promise<void>;
let db: PgDatabase;
let emulator: DataApiEmulator;
let dataApi: DataApiDatabase;

beforeAll(async () => {
  ({ url, drop } = (await createTestDatabaseUrl()) as { url: string; drop: () => Promise<void> });
  db = new PgDatabase({ connectionString: url });
  await runMigrations(db);
  emulator = new DataApiEmulator(url);
  dataApi = new DataApiDatabase(emulator, {
    resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:test',
    secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:test',
    database: 'nimbus',
  });
});

afterAll(async () => {
  await emulator?.close();
  await db?.close();
  await drop?.();
});

sqlContract('PostgreSQL (pg)', () => db);
describe('Data API adapter (emulated Data API over PostgreSQL, not the real service)', () => {
  sqlContract('Data API (emulated)', () => dataApi);

  test('transactions use BeginTransaction / ExecuteStatement(transactionId) / Commit or Rollback', async () => {
    emulator.calls.length = 0;
    await dataApi.transaction((tx) => tx.query('SELECT 1'));
    await dataApi
      .transaction(async (tx) => {
        await tx.query('SELECT 1');
        throw new Error('x');
      })
      .catch(() => undefined);
    expect(emulator.calls).toEqual([
      'BeginTransaction',
      'ExecuteStatement',
      'CommitTransaction',
      'BeginTransaction',
      'ExecuteStatement',
      'RollbackTransaction',
    ]);
  });
});

spoolContract(
  'SQL on PostgreSQL',
  async () => {
    await db.query('DELETE FROM spool_jobs');
    return new SqlSpool(db);
  },
  { idempotentEnqueue: true, releaseLeasesByOwner: true, operatorSeesWaitingJobs: true },
);

spoolContract(
  'SQL over the Data API adapter (emulated)',
  async () => {
    await db.query('DELETE FROM spool_jobs');
    return new SqlSpool(dataApi);
  },
  { idempotentEnqueue: true, releaseLeasesByOwner: true, operatorSeesWaitingJobs: true },
);

eventsContract('PostgreSQL LISTEN/NOTIFY', async () => [
  await PgEvents.connect(url),
  await PgEvents.connect(url),
]);

describe('failure behaviour on PostgreSQL', () => {
  test('prepared statements survive a schema change by another node (rolling upgrade): SELECT * sees the new column', async () => {
    // One connection, so the statement is surely prepared on the connection that runs it again.
    const node = new PgDatabase({ connectionString: url, maxConnections: 1 });
    const upgrader = new PgDatabase({ connectionString: url, maxConnections: 1 });
    try {
      await upgrader.query(`CREATE TABLE plan_t (id int PRIMARY KEY, a text)`);
      await upgrader.query(`INSERT INTO plan_t VALUES (1, 'one')`);
      const read = (db: PgDatabase) => db.query(`SELECT * FROM plan_t WHERE id = $1`, [1]);
      const readInTx = (db: PgDatabase) =>
        db.transaction((tx) => tx.query(`SELECT * FROM plan_t WHERE id > $1`, [0]));
      expect((await read(node)).rows).toEqual([{ id: 1, a: 'one' }]);
      expect((await readInTx(node)).rows).toEqual([{ id: 1, a: 'one' }]);
      await upgrader.query(`ALTER TABLE plan_t ADD COLUMN b text DEFAULT 'new'`);
      expect((await read(node)).rows).toEqual([{ id: 1, a: 'one', b: 'new' }]);
      expect((await readInTx(node)).rows).toEqual([{ id: 1, a: 'one', b: 'new' }]);
    } finally {
      await upgrader.query(`DROP TABLE IF EXISTS plan_t`);
      await node.close();
      await upgrader.close();
    }
  });

  test('a connection dropped mid-transaction: the transaction fails cleanly, nothing is committed, the pool recovers', async () => {
    await db.query(`CREATE TABLE IF NOT EXISTS drop_t (x int)`);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const error = await db
        .transaction(async (tx) => {
          await tx.query(`INSERT INTO drop_t VALUES (1)`);
          const pid = await tx.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
          await admin.query(`SELECT pg_terminate_backend($1)`, [pid.rows[0].pid]);
          await tx.query(`INSERT INTO drop_t VALUES (2)`);
        })
        .catch((e: unknown) => e);
      // (by name: jest's module registry can hold two copies of the port module)
      expect((error as Error).name).toBe(StorageUnavailableError.name);
      expect((error as Error).message).toMatch(/database unavailable/);
      const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM drop_t`);
      expect(rows.rows[0].n).toBe(0);
    } finally {
      await admin.end();
    }
  });

  test('LISTEN connection killed: it reconnects, resubscribes, sends a resync hint, and flushes what was published meanwhile', async () => {
    const a = await PgEvents.connect(url, undefined, { pingMs: 200 });
    const b = await PgEvents.connect(url);
    const atA: MailboxChange[] = [];
    const atB: MailboxChange[] = [];
    a.subscribe(7, (c) => atA.push(c));
    b.subscribe(7, (c) => atB.push(c));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query = 'LISTEN nimbus_mailbox' AND pid <> pg_backend_pid()`,
      );
      // Whichever of the two lost its connection: wait for both to be connected again.
      const until = Date.now() + 15_000;
      while (!(a.connected && b.connected) || !atA.concat(atB).some((c) => c.kind === 'mailboxes')) {
        if (Date.now() > until) throw new Error('no reconnect');
        await new Promise((r) => setTimeout(r, 50));
      }
      await b.publish({ accountId: 7, mailboxId: 1, kind: 'append', uid: 1 });
      const deadline = Date.now() + 5000;
      while (!atA.some((c) => c.kind === 'append')) {
        if (Date.now() > deadline) throw new Error('no event after reconnect');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await admin.end();
      await a.close();
      await b.close();
    }
  });
});
