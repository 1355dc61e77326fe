import type { SqlExecutor } from '../ports/sql';
import { migrations as allMigrations, type Migration } from './migrations';

/** Any number of nodes may start at once: an advisory lock lets one of them migrate. */
const MIGRATION_LOCK_KEY = 7_414_611_001;

export async function runMigrations(
  executor: SqlExecutor,
  migrations: Migration[] = allMigrations,
): Promise<number[]> {
  return executor.transaction(async (tx) => {
    // "SELECT 1 FROM": the Data API cannot map a void result.
    await tx.query('SELECT 1 FROM pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    // No DDL unless needed: the nodes' role (nimbus_app) may not create tables; it only checks.
    const known = await tx.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
    if (!known.rows[0]?.t) {
      await tx.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
    }
    const applied = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(applied.rows.map((row) => Number(row.version)));
    const ran: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      ran.push(migration.version);
    }
    return ran;
  });
}
