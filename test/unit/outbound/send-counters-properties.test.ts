/** Properties of the SQL send counters (PGlite): distinct recipients are a set union; refusals count nothing. */
import fc from 'fast-check';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import { networkOf } from '../../../core/outbound/signals';
import { SqlSendCounters } from '../../../core/outbound/sql-send-counters';

let db: PgliteDatabase;
beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
});
afterAll(() => db.close());

const address = fc.constantFrom('a@y.test', 'B@y.test', 'b@y.test', 'c@z.test', 'd@z.test', 'e@w.test');
const message = fc.record({ to: fc.array(address, { minLength: 1, maxLength: 4 }), admit: fc.boolean() });

it('counts messages admitted and the distinct recipients of those, case-insensitively', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(message, { maxLength: 8 }), async (messages) => {
      await db.query('DELETE FROM send_counters');
      await db.query('DELETE FROM send_counter_values');
      const c = new SqlSendCounters(db);
      const at = new Date('2026-12-04T10:00:00Z');
      const keys = [{ scope: 'user' as const, key: 'u@x.test' }];
      const seen = new Set<string>();
      let admitted = 0;
      for (const m of messages) {
        const r = await c.count(keys, m.to, at, () => m.admit);
        expect(r.counted).toBe(m.admit);
        if (m.admit) {
          admitted++;
          m.to.forEach((t) => seen.add(t.toLowerCase()));
        }
      }
      for (const w of await c.read(keys, at)) {
        expect(w.messages).toBe(admitted);
        expect(w.recipients).toBe(seen.size);
      }
    }),
    { numRuns: 25 },
  );
});

it('names a network for any address string without throwing (client addresses come off the wire)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), (a) => {
      expect(typeof networkOf(a)).toBe('string');
    }),
  );
  fc.assert(
    fc.property(fc.ipV4(), (a) => {
      const [x, y] = a.split('.');
      expect(networkOf(a)).toBe(`${x}.${y}.0.0/16`);
    }),
  );
});
