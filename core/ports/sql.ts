/**
 * The SQL port. One dialect (PostgreSQL) and the same parameterised statements ($1, $2 …) on every
 * adapter: PGlite (embedded), PostgreSQL through `pg`, Aurora through the RDS Data API.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface SqlExecutor {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs `fn` in one transaction; inside a transaction it simply runs `fn` in the current one. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly kind: 'pglite' | 'postgres' | 'data-api';
  close(): Promise<void>;
}

/** A storage dependency failed (database unreachable, disk full …): callers answer with a temporary error. */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}
