/**
 * An emulation of the RDS Data API's request/response shapes over a real PostgreSQL, for testing
 * the Data API adapter (the service itself only exists inside AWS). It follows the API reference:
 * named `:name` parameters with typed Field values (stringValue/longValue/doubleValue/
 * booleanValue/blobValue/isNull, typeHint TIMESTAMP/JSON/DECIMAL), records of typed Fields with
 * columnMetadata.typeName when includeResultMetadata is set, timestamps as 'YYYY-MM-DD HH:MM:SS.fff'
 * in UTC, arrays as arrayValue, transactions by id. It is NOT the service: error texts, size limits
 * and timeouts are not emulated.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
  type Field,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import pg from 'pg';

const raw = { getTypeParser: () => (value: string) => value };

// OID → type name, for the types core uses.
const TYPES: Record<number, string> = {
  16: 'bool',
  17: 'bytea',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  114: 'json',
  700: 'float4',
  701: 'float8',
  1043: 'varchar',
  1114: 'timestamp',
  1184: 'timestamptz',
  1700: 'numeric',
  3802: 'jsonb',
  1009: '_text',
  1016: '_int8',
  1007: '_int4',
  19: 'name',
  26: 'oid',
  18: 'char',
  1082: 'date',
};

export class DataApiEmulator {
  readonly calls: string[] = [];
  private readonly pool: pg.Pool;
  private readonly transactions = new Map<string, pg.PoolClient>();
  private next = 1;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 10, types: raw });
    this.pool.on('connect', (client) => void client.query(`SET TIME ZONE 'UTC'`));
  }

  async send(command: object): Promise<never> {
    this.calls.push(command.constructor.name.replace(/Command$/, ''));
    if (command instanceof BeginTransactionCommand) {
      const client = await this.pool.connect();
      await client.query('BEGIN');
      const id = `tx-${this.next++}`;
      this.transactions.set(id, client);
      return { transactionId: id } as never;
    }
    if (command instanceof CommitTransactionCommand || command instanceof RollbackTransactionCommand) {
      const id = command.input.transactionId!;
      const client = this.transactions.get(id);
      if (!client)
        throw Object.assign(new Error(`Transaction ${id} is not found`), { name: 'NotFoundException' });
      this.transactions.delete(id);
      try {
        await client.query(command instanceof CommitTransactionCommand ? 'COMMIT' : 'ROLLBACK');
      } finally {
        client.release();
      }
      return { transactionStatus: 'done' } as never;
    }
    if (command instanceof ExecuteStatementCommand) return (await this.execute(command)) as never;
    throw new Error(`not emulated: ${command.constructor.name}`);
  }

  private async execute(command: ExecuteStatementCommand) {
    const input = command.input;
    const params = input.parameters ?? [];
    const names = params.map((p) => p.name!);
    const sql = input.sql!.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (match, name: string) => {
      const index = names.indexOf(name);
      return index === -1 ? match : `$${index + 1}::${castOf(params[index])}`;
    });
    const values = params.map(valueOf);
    const client = input.transactionId ? this.transactions.get(input.transactionId) : undefined;
    if (input.transactionId && !client)
      throw Object.assign(new Error('Transaction is not found'), { name: 'BadRequestException' });
    let result: pg.QueryResult;
    try {
      result = await (client ?? this.pool).query({ text: sql, values });
    } catch (error) {
      throw Object.assign(new Error(`ERROR: ${(error as Error).message}`), { name: 'BadRequestException' });
    }
    const metadata = result.fields.map((f) => ({
      name: f.name,
      label: f.name,
      typeName: TYPES[f.dataTypeID] ?? 'text',
    }));
    const isQuery = result.fields.length > 0;
    return {
      numberOfRecordsUpdated: result.command === 'SELECT' ? 0 : (result.rowCount ?? 0),
      records: isQuery
        ? result.rows.map((row) => result.fields.map((f) => toField(row[f.name], TYPES[f.dataTypeID])))
        : undefined,
      columnMetadata: isQuery && input.includeResultMetadata ? metadata : undefined,
    };
  }

  async close(): Promise<void> {
    for (const client of this.transactions.values()) client.release();
    await this.pool.end();
  }
}

/** The Data API binds a parameter by its Field type and hint; an untyped stringValue is text (unknown → cast by the SQL). */
function castOf(p: SqlParameter): string {
  const v = p.value!;
  if (p.typeHint === 'TIMESTAMP') return 'timestamp';
  if (p.typeHint === 'JSON') return 'json';
  if (p.typeHint === 'DECIMAL') return 'numeric';
  if (v.longValue !== undefined) return 'int8';
  if (v.doubleValue !== undefined) return 'float8';
  if (v.booleanValue !== undefined) return 'bool';
  if (v.blobValue !== undefined) return 'bytea';
  return 'text';
}

function valueOf(p: SqlParameter): unknown {
  const v = p.value!;
  if (v.isNull) return null;
  if (v.blobValue !== undefined) return Buffer.from(v.blobValue);
  return v.stringValue ?? v.longValue ?? v.doubleValue ?? v.booleanValue ?? null;
}

function toField(value: string | null, type: string | undefined): Field {
  if (value === null) return { isNull: true };
  switch (type) {
    case 'bool':
      return { booleanValue: value === 't' };
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
      return { longValue: Number(value) };
    case 'float4':
    case 'float8':
      return { doubleValue: Number(value) };
    case 'bytea':
      return { blobValue: Buffer.from(value.slice(2), 'hex') };
    case 'timestamptz':
      return { stringValue: value.replace(/\+00$/, '') };
    case '_text':
      return { arrayValue: { stringValues: parseArray(value) } };
    case '_int8':
    case '_int4':
      return { arrayValue: { longValues: parseArray(value).map(Number) } };
    default:
      return { stringValue: value };
  }
}

function parseArray(text: string): string[] {
  const out: string[] = [];
  const body = text.slice(1, -1);
  let i = 0;
  while (i < body.length) {
    if (body[i] === '"') {
      let s = '';
      i++;
      while (body[i] !== '"') {
        if (body[i] === '\\') i++;
        s += body[i++];
      }
      out.push(s);
      i += 2;
    } else {
      const end = body.indexOf(',', i);
      out.push(body.slice(i, end === -1 ? body.length : end));
      i = end === -1 ? body.length : end + 1;
    }
  }
  return out;
}
