import { createHash } from 'node:crypto';
import pg from 'pg';
import type { QueryResult, SqlDatabase, SqlExecutor } from '../../ports/sql';
import { StorageUnavailableError } from '../../ports/sql';
import { statementStats } from './statement-stats';

// BIGINT ids and counters fit in a double for any realistic mail store.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

const RETRYABLE_CODES = new Set(['40001', '40P01']); // serialization failure, deadlock
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

export interface PgOptions {
  connectionString: string;
  maxConnections?: number;
  connectionTimeoutMs?: number;
  statementTimeoutMs?: number;
  /** A password source called per new connection (IAM tokens); TLS comes from `sslmode` in the URL. */
  password?: () => Promise<string>;
  /** Named (server-side) prepared statements; default on. Turn off behind RDS Proxy or PgBouncer. */
  preparedStatements?: boolean;
}

/** PostgreSQL (and Aurora through RDS Proxy) over a `pg` connection pool. */
export class PgDatabase implements SqlDatabase {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly prepared: boolean;
  private readonly names = new Map<string, string>();
  private readonly unprepared = new Set<string>();

  constructor(options: PgOptions) {
    this.prepared = options.preparedStatements ?? true;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      statement_timeout: options.statementTimeoutMs ?? 30000,
      ...(options.password ? { password: options.password } : {}),
    });
    // An idle client losing its server (failover, restart) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  async query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>> {
    try {
      const result = await this.pool.query(this.statement(sql, params));
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      if (this.forgetStalePlan(sql, error)) return this.query(sql, params);
      throw translateError(error);
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw translateError(error);
      }
      let broken = false;
      // A connection dropped while checked out emits 'error' on the client (the pool only listens
      // while it is idle): without a listener that would crash the process. The failing query
      // rejects as well, so the transaction fails cleanly and the client is discarded.
      const onError = () => (broken = true);
      client.on('error', onError);
      const tx: SqlExecutor = {
        query: async <R>(sql: string, params?: readonly unknown[]) => {
          try {
            const result = await client.query(this.statement(sql, params));
            return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
          } catch (error) {
            // The transaction is aborted now; the retry below runs it again, unprepared.
            if (this.forgetStalePlan(sql, error)) Object.assign(error as object, { retryTransaction: true });
            throw error;
          }
        },
        transaction: (inner) => inner(tx),
      };
      try {
        statementStats?.('BEGIN');
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        const code = (error as { code?: string }).code;
        const stalePlan = (error as { retryTransaction?: boolean }).retryTransaction === true;
        if (((code && RETRYABLE_CODES.has(code)) || stalePlan) && attempt < 4) continue;
        throw translateError(error);
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * A statement with parameters is prepared once per connection under a name derived from its
   * text (PostgreSQL then skips parsing and planning it again); off behind RDS Proxy, where
   * named statements pin connections.
   */
  private statement(sql: string, params?: readonly unknown[]): pg.QueryConfig {
    statementStats?.(sql);
    const values = params ? [...params] : undefined;
    if (!this.prepared || !values || values.length === 0 || this.unprepared.has(sql))
      return { text: sql, values };
    let name = this.names.get(sql);
    if (!name) {
      name = `n${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
      this.names.set(sql, name);
    }
    return { name, text: sql, values };
  }

  /**
   * A prepared `SELECT *` fails once the table gained a column (a newer node migrated the schema
   * in a rolling upgrade): "cached plan must not change result type". That statement then runs
   * unprepared from here on; true if the caller should retry.
   */
  private forgetStalePlan(sql: string, error: unknown): boolean {
    const e = error as { code?: string; message?: string };
    if (e.code !== '0A000' || !/cached plan must not change result type/.test(e.message ?? '')) return false;
    if (this.unprepared.has(sql)) return false;
    this.unprepared.add(sql);
    return true;
  }
}

function translateError(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  if (
    (code && CONNECTION_CODES.has(code)) ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    /Connection terminated|timeout exceeded when trying to connect|not queryable/i.test(message)
  ) {
    return new StorageUnavailableError(`database unavailable: ${message}`, { cause: error });
  }
  return error;
}
