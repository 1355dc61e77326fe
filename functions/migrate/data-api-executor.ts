import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
  type Field,
  type RDSDataClient,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import type { QueryResult, SqlExecutor } from '../../core/ports/sql';
import { splitStatements, toNamedParameters } from './sql-text';

export interface DataApiTarget {
  /** Aurora cluster ARN. */
  readonly resourceArn: string;
  /** Secrets Manager ARN of the database credentials. */
  readonly secretArn: string;
  readonly database: string;
}

type Sender = Pick<RDSDataClient, 'send'>;

const RETRYABLE = new Set([
  'DatabaseResumingException',
  'DatabaseNotFoundException',
  'ServiceUnavailableError',
]);

/**
 * SqlExecutor over the RDS Data API: `$n` placeholders become typed named parameters, multi-
 * statement scripts (migrations) run statement by statement, results come back as JSON rows.
 */
export class DataApiExecutor implements SqlExecutor {
  constructor(
    private readonly client: Sender,
    private readonly target: DataApiTarget,
    private readonly transactionId?: string,
    private readonly retryDelayMs = 2000,
  ) {}

  async query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<QueryResult<R>> {
    const statements = params.length === 0 ? splitStatements(sql) : [sql];
    let result: QueryResult<R> = { rows: [], rowCount: 0 };
    for (const statement of statements) result = await this.execute<R>(statement, params);
    return result;
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.transactionId) return fn(this);
    const begun = await this.withRetry(() =>
      this.client.send(
        new BeginTransactionCommand({
          resourceArn: this.target.resourceArn,
          secretArn: this.target.secretArn,
          database: this.target.database,
        }),
      ),
    );
    const transactionId = begun.transactionId;
    if (!transactionId) throw new Error('Data API returned no transaction id');
    const tx = new DataApiExecutor(this.client, this.target, transactionId, this.retryDelayMs);
    const ids = { resourceArn: this.target.resourceArn, secretArn: this.target.secretArn, transactionId };
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      await this.client.send(new RollbackTransactionCommand(ids)).catch(() => undefined);
      throw error;
    }
    await this.client.send(new CommitTransactionCommand(ids));
    return result;
  }

  private async execute<R>(statement: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const { sql, count } = toNamedParameters(statement);
    if (count > params.length)
      throw new Error(`statement uses $${count} but ${params.length} parameters were given`);
    const output = await this.withRetry(() =>
      this.client.send(
        new ExecuteStatementCommand({
          resourceArn: this.target.resourceArn,
          secretArn: this.target.secretArn,
          database: this.target.database,
          transactionId: this.transactionId,
          sql,
          parameters:
            params.length > 0 ? params.map((value, i) => toParameter(`p${i + 1}`, value)) : undefined,
          formatRecordsAs: 'JSON',
        }),
      ),
    );
    const rows = output.formattedRecords ? (JSON.parse(output.formattedRecords) as R[]) : [];
    return { rows, rowCount: output.formattedRecords ? rows.length : (output.numberOfRecordsUpdated ?? 0) };
  }

  /** Retries while a paused/resuming cluster wakes up; only outside transactions (nothing half-done). */
  private async withRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const name = (error as { name?: string }).name ?? '';
        if (this.transactionId || attempt >= 6 || !RETRYABLE.has(name)) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * attempt));
      }
    }
  }
}

/** One positional value → a typed Data API parameter. */
export function toParameter(name: string, value: unknown): SqlParameter {
  if (value === null || value === undefined) return { name, value: { isNull: true } };
  if (typeof value === 'boolean') return { name, value: { booleanValue: value } };
  if (typeof value === 'number') {
    const field: Field = Number.isSafeInteger(value) ? { longValue: value } : { doubleValue: value };
    return { name, value: field };
  }
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? { name, value: { longValue: Number(value) } }
      : { name, value: { stringValue: value.toString() }, typeHint: 'DECIMAL' };
  }
  if (typeof value === 'string') return { name, value: { stringValue: value } };
  if (value instanceof Date) {
    return {
      name,
      value: { stringValue: value.toISOString().replace('T', ' ').replace('Z', '') },
      typeHint: 'TIMESTAMP',
    };
  }
  if (value instanceof Uint8Array) return { name, value: { blobValue: value } };
  return { name, value: { stringValue: JSON.stringify(value) }, typeHint: 'JSON' };
}
