/**
 * The SQL port over the RDS Data API (Aurora PostgreSQL), for Lambda: HTTPS calls, no VPC, no
 * connection pool. The same statements as PGlite and PostgreSQL:
 *
 * - `$n` placeholders become typed named parameters (`:pn`); arrays (core's set-based statements
 *   use `unnest($1::text[])`, `= ANY($1::bigint[])`) are sent as PostgreSQL array literals, which the
 *   statement's explicit cast turns back into arrays — the Data API itself takes no array parameters.
 * - Results come back as typed records with column metadata and are mapped like `pg` maps them:
 *   int8/int4/float → number, bool → boolean, bytea → Buffer, timestamptz → Date, json/jsonb →
 *   parsed value, arrays → arrays. (Responses in the JSON format, `formattedRecords`, are read too.)
 * - transaction(): BeginTransaction / ExecuteStatement with the transactionId / Commit, Rollback on
 *   error; a serialization failure or deadlock re-runs the whole function (like PgDatabase). A
 *   paused Serverless v2 cluster (DatabaseResumingException) is retried outside transactions.
 * - A multi-statement script without parameters (migrations) runs statement by statement.
 *
 * Limits of the Data API that the other adapters do not have: 1 MiB per response, transactions end
 * after 3 minutes without a statement, no LISTEN/NOTIFY (events need a real connection), no COPY.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
  type ColumnMetadata,
  type ExecuteStatementCommandOutput,
  type Field,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import type { QueryResult, SqlDatabase, SqlExecutor } from '../../ports/sql';
import { StorageUnavailableError } from '../../ports/sql';
import { splitStatements, toNamedParameters } from './sql-text';

export interface DataApiTarget {
  /** Aurora cluster ARN. */
  readonly resourceArn: string;
  /** Secrets Manager ARN of the database credentials. */
  readonly secretArn: string;
  readonly database: string;
}

type Sender = Pick<RDSDataClient, 'send'>;

/** The cluster is waking up or the service is briefly unavailable: safe to retry a call outside a transaction. */
const RESUMING = new Set([
  'DatabaseResumingException',
  'DatabaseNotFoundException',
  'ServiceUnavailableError',
]);
const UNAVAILABLE = new Set([
  ...RESUMING,
  'InternalServerErrorException',
  'StatementTimeoutException',
  'ThrottlingException',
  'DatabaseUnavailableException',
  'TimeoutError',
]);
const CONFLICT = /could not serialize access|deadlock detected/i;

export class DataApiDatabase implements SqlDatabase {
  readonly kind = 'data-api' as const;

  constructor(
    private readonly client: Sender,
    private readonly target: DataApiTarget,
    private readonly transactionId?: string,
    private readonly retryDelayMs = 2000,
  ) {}

  /** Built from the SDK's standard settings (region, credentials chain). */
  static fromEnvironment(target: DataApiTarget, client: Sender = new RDSDataClient({})): DataApiDatabase {
    return new DataApiDatabase(client, target);
  }

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
    for (let attempt = 1; ; attempt++) {
      const begun = await this.call(() =>
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
      const tx = new DataApiDatabase(this.client, this.target, transactionId, this.retryDelayMs);
      const ids = { resourceArn: this.target.resourceArn, secretArn: this.target.secretArn, transactionId };
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        await this.client.send(new RollbackTransactionCommand(ids)).catch(() => undefined);
        if (CONFLICT.test((error as Error).message ?? '') && attempt < 4) continue;
        throw translate(error);
      }
      try {
        await this.client.send(new CommitTransactionCommand(ids));
      } catch (error) {
        if (CONFLICT.test((error as Error).message ?? '') && attempt < 4) continue;
        throw translate(error);
      }
      return result;
    }
  }

  async close(): Promise<void> {
    (this.client as { destroy?: () => void }).destroy?.();
  }

  private async execute<R>(statement: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const { sql, count } = toNamedParameters(statement);
    if (count > params.length)
      throw new Error(`statement uses $${count} but ${params.length} parameters were given`);
    const output = await this.call(() =>
      this.client.send(
        new ExecuteStatementCommand({
          resourceArn: this.target.resourceArn,
          secretArn: this.target.secretArn,
          database: this.target.database,
          transactionId: this.transactionId,
          sql,
          parameters:
            params.length > 0 ? params.map((value, i) => toParameter(`p${i + 1}`, value)) : undefined,
          includeResultMetadata: true,
        }),
      ),
    );
    return mapResult<R>(output);
  }

  /** Retries while a paused cluster resumes — only outside transactions (nothing half-done). */
  private async call<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const name = (error as { name?: string }).name ?? '';
        if (this.transactionId || attempt >= 6 || !RESUMING.has(name)) {
          // Inside a transaction the caller's transaction() rolls back and translates.
          throw this.transactionId ? error : translate(error);
        }
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * attempt));
      }
    }
  }
}

function translate(error: unknown): unknown {
  const name = (error as { name?: string }).name ?? '';
  if (UNAVAILABLE.has(name) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up/i.test(String(error))) {
    return new StorageUnavailableError(`database unavailable (Data API): ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
}

// --- Parameters --------------------------------------------------------------------------------

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
    return { name, value: { stringValue: timestampText(value) }, typeHint: 'TIMESTAMP' };
  }
  if (value instanceof Uint8Array) return { name, value: { blobValue: value } };
  // The statement casts it (`$1::text[]`): the Data API has no array parameters.
  if (Array.isArray(value)) return { name, value: { stringValue: arrayLiteral(value) } };
  return { name, value: { stringValue: JSON.stringify(value) }, typeHint: 'JSON' };
}

function timestampText(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** A PostgreSQL array literal: {"a","b\"c",NULL,"\\x0102"}. */
export function arrayLiteral(values: readonly unknown[]): string {
  const element = (value: unknown): string => {
    if (value === null || value === undefined) return 'NULL';
    if (Array.isArray(value)) return arrayLiteral(value);
    let text: string;
    if (value instanceof Date) text = value.toISOString();
    else if (value instanceof Uint8Array) text = `\\x${Buffer.from(value).toString('hex')}`;
    else if (typeof value === 'object') text = JSON.stringify(value);
    else text = String(value);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  };
  return `{${values.map(element).join(',')}}`;
}

// --- Results -----------------------------------------------------------------------------------

export function mapResult<R>(output: Partial<ExecuteStatementCommandOutput>): QueryResult<R> {
  if (output.formattedRecords !== undefined) {
    const rows = JSON.parse(output.formattedRecords) as R[];
    return { rows, rowCount: rows.length };
  }
  const columns = output.columnMetadata ?? [];
  if (!output.records || columns.length === 0) {
    return { rows: [], rowCount: output.numberOfRecordsUpdated ?? 0 };
  }
  const rows = output.records.map((record) => {
    const row: Record<string, unknown> = {};
    record.forEach((field, i) => {
      const column = columns[i];
      row[column?.label ?? column?.name ?? `column${i}`] = fieldValue(field, column);
    });
    return row as R;
  });
  return { rows, rowCount: rows.length };
}

function fieldValue(field: Field, column: ColumnMetadata | undefined): unknown {
  const type = (column?.typeName ?? '').toLowerCase();
  if (field.isNull) return null;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.longValue !== undefined) return Number(field.longValue);
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue);
  if (field.arrayValue !== undefined) return arrayValue(field.arrayValue);
  if (field.stringValue !== undefined) return stringValue(field.stringValue, type);
  return null;
}

function stringValue(text: string, type: string): unknown {
  switch (type) {
    case 'timestamptz':
    case 'timestamp':
      // The Data API returns timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC.
      return new Date(`${text.replace(' ', 'T')}${/[+-]\d\d(:?\d\d)?$|Z$/.test(text) ? '' : 'Z'}`);
    case 'json':
    case 'jsonb':
      return JSON.parse(text);
    case 'int8':
    case 'int4':
    case 'int2':
    case 'float4':
    case 'float8':
    case 'oid':
      return Number(text);
    case 'bytea':
      return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : Buffer.from(text, 'base64');
    default:
      return text;
  }
}

function arrayValue(value: NonNullable<Field['arrayValue']>): unknown[] {
  if (value.stringValues) return value.stringValues;
  if (value.longValues) return value.longValues.map(Number);
  if (value.doubleValues) return value.doubleValues;
  if (value.booleanValues) return value.booleanValues;
  if (value.arrayValues) return value.arrayValues.map((inner) => (inner ? arrayValue(inner) : null));
  return [];
}
