/**
 * The SqlDatabase contract: PGlite, PostgreSQL (pg) and the Data API adapter run the same
 * statements and map results the same way (numbers, booleans, Buffers, Dates, JSON, arrays).
 */
import type { SqlDatabase } from '../../core/ports/sql';

export function sqlContract(name: string, db: () => SqlDatabase): void {
  describe(`SqlDatabase contract: ${name}`, () => {
    beforeAll(async () => {
      await db().query(`DROP TABLE IF EXISTS contract_t`);
      await db().query(
        `CREATE TABLE contract_t (id bigserial PRIMARY KEY, name text NOT NULL, n int NOT NULL DEFAULT 0,
           data bytea, doc jsonb, at timestamptz, flag boolean)`,
      );
    });

    test('result types map like pg: int8/int4 → number, bool, bytea → Buffer, timestamptz → Date, jsonb, arrays', async () => {
      const { rows } = await db().query<Record<string, unknown>>(
        `SELECT 7414611001::int8 AS big, 42::int4 AS small, 1.5::float8 AS dbl, true AS yes, 'text' AS t,
                '\\x00ff10'::bytea AS bin, timestamptz '2025-01-02 03:04:05.678+00' AS at,
                '{"a":[1,"b"]}'::jsonb AS doc, ARRAY['x','y']::text[] AS arr, NULL::text AS nothing`,
      );
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(row.big).toBe(7414611001);
      expect(row.small).toBe(42);
      expect(row.dbl).toBe(1.5);
      expect(row.yes).toBe(true);
      expect(row.t).toBe('text');
      expect(Buffer.isBuffer(row.bin)).toBe(true);
      expect((row.bin as Buffer).toString('hex')).toBe('00ff10');
      expect(row.at).toBeInstanceOf(Date);
      expect((row.at as Date).toISOString()).toBe('2025-01-02T03:04:05.678Z');
      expect(row.doc).toEqual({ a: [1, 'b'] });
      expect(row.arr).toEqual(['x', 'y']);
      expect(row.nothing).toBeNull();
    });

    test('typed parameters: text, numbers, booleans, Dates, Buffers, JSON, arrays through unnest', async () => {
      const at = new Date('2024-06-01T10:20:30.456Z');
      const inserted = await db().query<{ id: number }>(
        `INSERT INTO contract_t (name, n, data, doc, at, flag) VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING id`,
        ['p1', 5, Buffer.from([1, 2, 250]), JSON.stringify({ k: 'v' }), at, false],
      );
      expect(typeof inserted.rows[0].id).toBe('number');
      const back = await db().query<{
        name: string;
        n: number;
        data: Buffer;
        doc: unknown;
        at: Date;
        flag: boolean;
      }>(`SELECT name, n, data, doc, at, flag FROM contract_t WHERE id = $1`, [inserted.rows[0].id]);
      expect(back.rows[0]).toMatchObject({ name: 'p1', n: 5, doc: { k: 'v' }, flag: false });
      expect(back.rows[0].data.equals(Buffer.from([1, 2, 250]))).toBe(true);
      expect(back.rows[0].at.toISOString()).toBe(at.toISOString());
      const many = await db().query(
        `INSERT INTO contract_t (name, n) SELECT * FROM unnest($1::text[], $2::int[]) RETURNING id`,
        [
          ['a"quote', 'b\\slash', 'c,comma', 'd{brace}'],
          [1, 2, 3, 4],
        ],
      );
      expect(many.rowCount).toBe(4);
      const names = await db().query<{ name: string }>(
        `SELECT name FROM contract_t WHERE name = ANY($1::text[]) ORDER BY name`,
        [['a"quote', 'b\\slash', 'c,comma', 'd{brace}']],
      );
      expect(names.rows.map((r) => r.name)).toEqual(['a"quote', 'b\\slash', 'c,comma', 'd{brace}']);
    });

    test('rowCount of UPDATE and DELETE', async () => {
      await db().query(`INSERT INTO contract_t (name) VALUES ('rc'), ('rc')`);
      expect((await db().query(`UPDATE contract_t SET n = n + 1 WHERE name = $1`, ['rc'])).rowCount).toBe(2);
      expect((await db().query(`DELETE FROM contract_t WHERE name = $1`, ['rc'])).rowCount).toBe(2);
    });

    test('transactions commit, roll back on error, and nest into the outer one', async () => {
      await db().transaction(async (tx) => {
        await tx.query(`INSERT INTO contract_t (name) VALUES ('tx-commit')`);
        await tx.transaction((inner) => inner.query(`INSERT INTO contract_t (name) VALUES ('tx-nested')`));
      });
      await expect(
        db().transaction(async (tx) => {
          await tx.query(`INSERT INTO contract_t (name) VALUES ('tx-rollback')`);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const { rows } = await db().query<{ name: string }>(
        `SELECT name FROM contract_t WHERE name LIKE 'tx-%' ORDER BY name`,
      );
      expect(rows.map((r) => r.name)).toEqual(['tx-commit', 'tx-nested']);
    });

    test('concurrent transactions on one row serialise (FOR UPDATE)', async () => {
      const { rows } = await db().query<{ id: number }>(
        `INSERT INTO contract_t (name) VALUES ('counter') RETURNING id`,
      );
      const id = rows[0].id;
      await Promise.all(
        Array.from({ length: 8 }, () =>
          db().transaction(async (tx) => {
            const current = await tx.query<{ n: number }>(
              `SELECT n FROM contract_t WHERE id = $1 FOR UPDATE`,
              [id],
            );
            await tx.query(`UPDATE contract_t SET n = $2 WHERE id = $1`, [id, current.rows[0].n + 1]);
          }),
        ),
      );
      const after = await db().query<{ n: number }>(`SELECT n FROM contract_t WHERE id = $1`, [id]);
      expect(after.rows[0].n).toBe(8);
    });

    test('a script of several statements without parameters (migrations)', async () => {
      await db().query(
        `CREATE TEMP TABLE IF NOT EXISTS contract_s (x int); DROP TABLE IF EXISTS contract_s;`,
      );
      await db().query(
        `DROP TABLE IF EXISTS contract_s2; CREATE TABLE contract_s2 (x int); DROP TABLE contract_s2`,
      );
    });

    test('errors from the database surface (bad SQL is not swallowed)', async () => {
      await expect(db().query(`SELECT * FROM no_such_table_here`)).rejects.toThrow();
    });
  });
}
