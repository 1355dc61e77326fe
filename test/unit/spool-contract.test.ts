/** The Spool contract on the local SQL spool (PGlite). The PostgreSQL run is in test/integration. */
import { PgliteDatabase } from '../../core/adapters/pglite/pglite-database';
import { SqlSpool } from '../../core/adapters/sql/sql-spool';
import { runMigrations } from '../../core/db/migrate';
import type { SqlDatabase } from '../../core/ports/sql';
import { spoolContract } from '../contracts/spool';

let db: SqlDatabase;

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
});

afterAll(async () => {
  await db?.close();
});

spoolContract(
  'SQL on PGlite',
  async () => {
    await db.query('DELETE FROM spool_jobs');
    return new SqlSpool(db);
  },
  { idempotentEnqueue: true, releaseLeasesByOwner: true, operatorSeesWaitingJobs: true },
);
