/**
 * SendCounters in SQL (tables send_counters and send_counter_values, core/db/migrations-outbound.ts).
 * One transaction per message: the recipients are inserted with ON CONFLICT DO NOTHING (the rows
 * that come back are the new distinct ones), then every bucket is upserted with
 * INSERT … ON CONFLICT … DO UPDATE … RETURNING, whose row locks serialise concurrent senders on
 * all nodes. Over a limit, the transaction is rolled back and nothing is counted.
 */
import { createHash } from 'node:crypto';
import type { SqlExecutor } from '../ports/sql';
import {
  bucketStart,
  COUNTER_WINDOWS,
  WINDOW_SECONDS,
  type CounterKey,
  type CounterWindow,
  type SendCounters,
  type WindowCount,
} from '../ports/send-counters';

class Refused extends Error {}

interface Row {
  scope: CounterKey['scope'];
  key: string;
  window_kind: CounterWindow;
  messages: number | string;
  recipients: number | string;
}

const toCount = (r: Row): WindowCount => ({
  scope: r.scope,
  key: r.key,
  window: r.window_kind,
  messages: Number(r.messages),
  recipients: Number(r.recipients),
});

export function valueHash(value: string): string {
  return createHash('sha256').update(value.toLowerCase()).digest('hex').slice(0, 32);
}

export class SqlSendCounters implements SendCounters {
  constructor(private readonly db: SqlExecutor) {}

  async read(keys: CounterKey[], at: Date): Promise<WindowCount[]> {
    const cells = cellsOf(keys, at);
    const found = await this.db.query<Row>(
      `SELECT c.scope, c.key, c.window_kind, c.messages, c.recipients FROM send_counters c
       JOIN unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS x(scope, key, window_kind, window_start)
         ON c.scope = x.scope AND c.key = x.key AND c.window_kind = x.window_kind
        AND c.window_start = x.window_start`,
      columns(cells),
    );
    return fill(cells, found.rows.map(toCount));
  }

  async count(
    keys: CounterKey[],
    recipients: string[],
    at: Date,
    admit: (after: WindowCount[]) => boolean,
  ): Promise<{ counted: boolean; after: WindowCount[] }> {
    const cells = cellsOf(keys, at);
    const hashes = [...new Set(recipients.map(valueHash))];
    let after: WindowCount[] = [];
    try {
      await this.db.transaction(async (tx) => {
        const fresh = new Map<string, number>();
        if (hashes.length > 0) {
          const rows = cells.flatMap((c) => hashes.map((h) => ({ ...c, h })));
          const inserted = await tx.query<{ scope: string; key: string; window_kind: string }>(
            `INSERT INTO send_counter_values (scope, key, window_kind, window_start, value_hash)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
             ON CONFLICT DO NOTHING RETURNING scope, key, window_kind`,
            [...columns(rows), rows.map((r) => r.h)],
          );
          for (const r of inserted.rows) {
            const id = `${r.scope}\0${r.key}\0${r.window_kind}`;
            fresh.set(id, (fresh.get(id) ?? 0) + 1);
          }
        }
        const added = cells.map((c) => fresh.get(`${c.scope}\0${c.key}\0${c.window}`) ?? 0);
        const upserted = await tx.query<Row>(
          `INSERT INTO send_counters (scope, key, window_kind, window_start, messages, recipients)
           SELECT x.scope, x.key, x.window_kind, x.window_start, 1, x.added
           FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::int[])
             AS x(scope, key, window_kind, window_start, added)
           ON CONFLICT (scope, key, window_kind, window_start) DO UPDATE
             SET messages = send_counters.messages + 1,
                 recipients = send_counters.recipients + EXCLUDED.recipients
           RETURNING scope, key, window_kind, messages, recipients`,
          [...columns(cells), added],
        );
        after = fill(cells, upserted.rows.map(toCount)).map((w, i) => ({ ...w, added: added[i] }));
        if (!admit(after)) throw new Refused();
      });
    } catch (error) {
      if (error instanceof Refused) return { counted: false, after };
      throw error;
    }
    return { counted: true, after };
  }

  async noteDistinct(key: CounterKey, window: CounterWindow, value: string, at: Date): Promise<number> {
    const start = bucketStart(window, at);
    await this.db.query(
      `INSERT INTO send_counter_values (scope, key, window_kind, window_start, value_hash)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [key.scope, key.key, window, start, valueHash(value)],
    );
    const counted = await this.db.query<{ n: number | string }>(
      `SELECT count(*) AS n FROM send_counter_values
       WHERE scope = $1 AND key = $2 AND window_kind = $3 AND window_start = $4`,
      [key.scope, key.key, window, start],
    );
    return Number(counted.rows[0]?.n ?? 0);
  }

  async prune(before: Date): Promise<number> {
    const cutoff = Math.floor(before.getTime() / 1000) - WINDOW_SECONDS.day;
    const a = await this.db.query(`DELETE FROM send_counters WHERE window_start < $1`, [cutoff]);
    const b = await this.db.query(`DELETE FROM send_counter_values WHERE window_start < $1`, [cutoff]);
    return a.rowCount + b.rowCount;
  }
}

interface Cell extends CounterKey {
  window: CounterWindow;
  start: number;
}

function cellsOf(keys: CounterKey[], at: Date): Cell[] {
  return keys.flatMap((k) =>
    COUNTER_WINDOWS.map((window) => ({ ...k, window, start: bucketStart(window, at) })),
  );
}

function columns(cells: Cell[]): [string[], string[], string[], number[]] {
  return [
    cells.map((c) => c.scope),
    cells.map((c) => c.key),
    cells.map((c) => c.window),
    cells.map((c) => c.start),
  ];
}

function fill(cells: Cell[], found: WindowCount[]): WindowCount[] {
  return cells.map(
    (c) =>
      found.find((f) => f.scope === c.scope && f.key === c.key && f.window === c.window) ?? {
        scope: c.scope,
        key: c.key,
        window: c.window,
        messages: 0,
        recipients: 0,
      },
  );
}
