/** The SqlDatabase contract on PGlite. PostgreSQL and the Data API adapter: test/integration/sql-contract.test.ts. */
import { PgliteDatabase } from '../../core/adapters/pglite/pglite-database';
import type { SqlDatabase } from '../../core/ports/sql';
import { sqlContract } from '../contracts/sql';

let db: SqlDatabase;
beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
});
afterAll(async () => {
  await db?.close();
});

sqlContract('PGlite', () => db);
