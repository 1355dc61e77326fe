/**
 * The migration trigger's SqlExecutor over the RDS Data API, against a recording fake client:
 * statement splitting, `$n` → typed named parameters, transactions, and core's runMigrations.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { runMigrations } from '../../core/db/migrate';
import { DataApiExecutor, toParameter } from '../../functions/migrate/data-api-executor';
import { splitStatements, toNamedParameters } from '../../functions/migrate/sql-text';

const target = {
  resourceArn: 'arn:aws:rds:eu-west-1:1:cluster:c',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:s',
  database: 'nimbus',
};

class FakeDataApi {
  readonly calls: { name: string; input: Record<string, unknown> }[] = [];
  constructor(private readonly answer: (sql: string) => unknown = () => ({ numberOfRecordsUpdated: 0 })) {}
  async send(command: object): Promise<never> {
    const name = command.constructor.name;
    const input = (command as { input: Record<string, unknown> }).input;
    this.calls.push({ name, input });
    if (command instanceof BeginTransactionCommand) return { transactionId: 'tx-1' } as never;
    if (command instanceof ExecuteStatementCommand) return this.answer(String(input.sql)) as never;
    return {} as never;
  }
  statements(): string[] {
    return this.calls.filter((c) => c.name === 'ExecuteStatementCommand').map((c) => String(c.input.sql));
  }
}

describe('SQL text for the Data API', () => {
  it('splits scripts on top-level semicolons only', () => {
    const sql = `
      CREATE TABLE a (x text DEFAULT 'a;b'); -- comment; here
      /* block; comment */ CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
      CREATE FUNCTION g() RETURNS int AS $body$ BEGIN RETURN 2; END $body$ LANGUAGE plpgsql;
      SELECT "odd;name" FROM a;;
      -- trailing comment only
    `;
    const statements = splitStatements(sql);
    expect(statements).toHaveLength(4);
    expect(statements[0]).toBe("CREATE TABLE a (x text DEFAULT 'a;b')");
    expect(statements[1]).toContain('$$ SELECT 1; $$');
    expect(statements[2]).toContain('$body$ BEGIN RETURN 2; END $body$');
    expect(statements[3]).toBe('SELECT "odd;name" FROM a');
  });

  it('rewrites $n placeholders outside literals and dollar quotes', () => {
    const { sql, count } = toNamedParameters("SELECT $1, '$2', $$ $3 $$, x$4, $10 FROM t WHERE a = $2");
    expect(sql).toBe("SELECT :p1, '$2', $$ $3 $$, x$4, :p10 FROM t WHERE a = :p2");
    expect(count).toBe(10);
  });

  it('maps JavaScript values to typed Data API fields', () => {
    expect(toParameter('p1', null)).toEqual({ name: 'p1', value: { isNull: true } });
    expect(toParameter('p1', true)).toEqual({ name: 'p1', value: { booleanValue: true } });
    expect(toParameter('p1', 7_414_611_001)).toEqual({ name: 'p1', value: { longValue: 7_414_611_001 } });
    expect(toParameter('p1', 1.5)).toEqual({ name: 'p1', value: { doubleValue: 1.5 } });
    expect(toParameter('p1', 'x')).toEqual({ name: 'p1', value: { stringValue: 'x' } });
    expect(toParameter('p1', 2n ** 70n)).toMatchObject({ typeHint: 'DECIMAL' });
    expect(toParameter('p1', new Date('2025-01-02T03:04:05.006Z'))).toEqual({
      name: 'p1',
      value: { stringValue: '2025-01-02 03:04:05.006' },
      typeHint: 'TIMESTAMP',
    });
    expect(toParameter('p1', Buffer.from('ab'))).toEqual({
      name: 'p1',
      value: { blobValue: Buffer.from('ab') },
    });
    expect(toParameter('p1', { a: 1 })).toEqual({
      name: 'p1',
      value: { stringValue: '{"a":1}' },
      typeHint: 'JSON',
    });
  });
});

describe('DataApiExecutor', () => {
  it('returns JSON rows and passes named parameters', async () => {
    const api = new FakeDataApi(() => ({ formattedRecords: '[{"version":1},{"version":2}]' }));
    const executor = new DataApiExecutor(api, target);
    const result = await executor.query<{ version: number }>('SELECT version FROM t WHERE a = $1', ['x']);
    expect(result).toEqual({ rows: [{ version: 1 }, { version: 2 }], rowCount: 2 });
    expect(api.calls[0].input).toMatchObject({
      ...target,
      sql: 'SELECT version FROM t WHERE a = :p1',
      parameters: [{ name: 'p1', value: { stringValue: 'x' } }],
      includeResultMetadata: true,
    });
  });

  it('commits a transaction, runs nested transactions inside it, and rolls back on error', async () => {
    const api = new FakeDataApi();
    const executor = new DataApiExecutor(api, target);
    await executor.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await tx.transaction((inner) => inner.query('SELECT 2'));
    });
    expect(api.calls.map((c) => c.name)).toEqual([
      'BeginTransactionCommand',
      'ExecuteStatementCommand',
      'ExecuteStatementCommand',
      'CommitTransactionCommand',
    ]);
    expect(api.calls[1].input.transactionId).toBe('tx-1');

    const failing = new FakeDataApi();
    await expect(
      new DataApiExecutor(failing, target).transaction(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(failing.calls.map((c) => c.name)).toEqual([
      'BeginTransactionCommand',
      'RollbackTransactionCommand',
    ]);
    expect(failing.calls[1].input).toMatchObject({ transactionId: 'tx-1' });
  });

  it('retries while the cluster resumes, outside transactions only', async () => {
    let attempts = 0;
    const api = {
      send: async (command: object) => {
        if (command instanceof BeginTransactionCommand && ++attempts < 3) {
          throw Object.assign(new Error('resuming'), { name: 'DatabaseResumingException' });
        }
        return (command instanceof BeginTransactionCommand ? { transactionId: 't' } : {}) as never;
      },
    };
    await new DataApiExecutor(api, target, undefined, 1).transaction(async () => undefined);
    expect(attempts).toBe(3);
  });

  it('runs core migrations in one transaction, statement by statement', async () => {
    const api = new FakeDataApi((sql) =>
      sql.startsWith('SELECT version FROM schema_migrations')
        ? { formattedRecords: '[]' }
        : { numberOfRecordsUpdated: 0 },
    );
    const applied = await runMigrations(new DataApiExecutor(api, target), [
      { version: 1, name: 'one', sql: 'CREATE TABLE a (x int); CREATE INDEX a_x ON a (x);' },
      { version: 2, name: 'two', sql: 'ALTER TABLE a ADD COLUMN y text' },
    ]);
    expect(applied).toEqual([1, 2]);
    expect(api.calls[0].name).toBe('BeginTransactionCommand');
    expect(api.calls[api.calls.length - 1].name).toBe(CommitTransactionCommand.name);
    expect(api.calls.some((c) => c.name === RollbackTransactionCommand.name)).toBe(false);
    const statements = api.statements();
    expect(statements).toContain('CREATE TABLE a (x int)');
    expect(statements).toContain('CREATE INDEX a_x ON a (x)');
    expect(statements.filter((s) => s.startsWith('INSERT INTO schema_migrations'))).toHaveLength(2);
    expect(statements.every((s) => !s.includes('$1'))).toBe(true);
  });
});
