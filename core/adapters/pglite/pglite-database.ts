import { PGlite, types } from '@electric-sql/pglite';
import type { QueryResult, SqlDatabase, SqlExecutor } from '../../ports/sql';
import { Mutex } from '../../util/mutex';

/**
 * Embedded PostgreSQL (WASM). PGlite serves one connection, so every statement and every
 * transaction takes a process-wide mutex: a transaction owns the database until it ends.
 */
export class PgliteDatabase implements SqlDatabase {
  readonly kind = 'pglite' as const;
  private readonly mutex = new Mutex();

  private constructor(private readonly db: PGlite) {}

  static async open(dataDir: string | undefined): Promise<PgliteDatabase> {
    const db = await PGlite.create(dataDir, {
      // BIGINT ids and counters fit in a double for any realistic mail store.
      parsers: { [types.INT8]: (value: string) => Number(value) },
    });
    return new PgliteDatabase(db);
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.mutex.run(() => runQuery<R>(this.db, sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      await this.db.exec('BEGIN');
      const tx: SqlExecutor = {
        query: (sql, params) => runQuery(this.db, sql, params),
        transaction: (inner) => inner(tx),
      };
      try {
        const result = await fn(tx);
        await this.db.exec('COMMIT');
        return result;
      } catch (error) {
        await this.db.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.mutex.run(() => this.db.close());
  }
}

async function runQuery<R>(db: PGlite, sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
  if (!params || params.length === 0) {
    // exec() accepts several statements (migrations); query() only one.
    if (/;\s*\S/.test(sql)) {
      const results = await db.exec(sql);
      const last = results[results.length - 1];
      return { rows: (last?.rows ?? []) as R[], rowCount: last?.affectedRows ?? 0 };
    }
  }
  const result = await db.query<R>(sql, params ? [...params] : []);
  return { rows: result.rows.map(normaliseRow) as R[], rowCount: result.affectedRows ?? result.rows.length };
}

/** pg returns BYTEA as Buffer; PGlite as Uint8Array. Core code sees Buffers from every adapter. */
function normaliseRow<R>(row: R): R {
  const record = row as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      record[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return row;
}
