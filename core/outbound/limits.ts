/**
 * Outbound rate limits (issue #19): the configured defaults per scope (config `outbound.limits`)
 * and the overrides in SQL (table outbound_limits, `nimbus limits set`). A 'user' row limits one
 * account, a 'domain' row the whole domain's sending, an 'ip' row one client address.
 */
import type { SqlExecutor } from '../ports/sql';

export interface RateLimits {
  messagesPerHour: number;
  messagesPerDay: number;
  recipientsPerHour: number;
  recipientsPerDay: number;
}

export type LimitScope = 'user' | 'domain' | 'ip';
export const LIMIT_SCOPES: readonly LimitScope[] = ['user', 'domain', 'ip'];
export type ScopeLimits = Record<LimitScope, RateLimits>;

export const DEFAULT_OUTBOUND_LIMITS: ScopeLimits = {
  user: { messagesPerHour: 200, messagesPerDay: 1000, recipientsPerHour: 300, recipientsPerDay: 500 },
  domain: {
    messagesPerHour: 5000,
    messagesPerDay: 20_000,
    recipientsPerHour: 10_000,
    recipientsPerDay: 50_000,
  },
  ip: { messagesPerHour: 1000, messagesPerDay: 5000, recipientsPerHour: 2000, recipientsPerDay: 10_000 },
};

export const LIMIT_FIELDS: readonly (keyof RateLimits)[] = [
  'messagesPerHour',
  'messagesPerDay',
  'recipientsPerHour',
  'recipientsPerDay',
];
const COLUMN: Record<keyof RateLimits, string> = {
  messagesPerHour: 'messages_per_hour',
  messagesPerDay: 'messages_per_day',
  recipientsPerHour: 'recipients_per_hour',
  recipientsPerDay: 'recipients_per_day',
};

export interface LimitOverride extends Partial<RateLimits> {
  scope: LimitScope;
  key: string;
}

type OverrideRow = { scope: LimitScope; key: string } & Record<string, number | string | null>;

function fromRow(row: OverrideRow): LimitOverride {
  const out: LimitOverride = { scope: row.scope, key: row.key };
  for (const f of LIMIT_FIELDS) if (row[COLUMN[f]] !== null) out[f] = Number(row[COLUMN[f]]);
  return out;
}

export class LimitStore {
  constructor(
    private readonly db: SqlExecutor,
    private readonly defaults: ScopeLimits = DEFAULT_OUTBOUND_LIMITS,
  ) {}

  /** The effective limits of each key (configured default, then its override). */
  async resolve(keys: { scope: LimitScope; key: string }[]): Promise<RateLimits[]> {
    const found = await this.db.query<OverrideRow>(
      `SELECT o.* FROM outbound_limits o
       JOIN unnest($1::text[], $2::text[]) AS x(scope, key) ON o.scope = x.scope AND o.key = x.key`,
      [keys.map((k) => k.scope), keys.map((k) => k.key.toLowerCase())],
    );
    return keys.map((k) => {
      const row = found.rows.find((r) => r.scope === k.scope && r.key === k.key.toLowerCase());
      return { ...this.defaults[k.scope], ...(row ? stripKey(fromRow(row)) : {}) };
    });
  }

  /** Sets (a null value clears) some limits of one key; returns the override afterwards. */
  async set(
    scope: LimitScope,
    key: string,
    values: Partial<Record<keyof RateLimits, number | null>>,
  ): Promise<LimitOverride> {
    const k = key.toLowerCase();
    await this.db.query(`INSERT INTO outbound_limits (scope, key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      scope,
      k,
    ]);
    for (const f of LIMIT_FIELDS) {
      if (values[f] === undefined) continue;
      await this.db.query(
        `UPDATE outbound_limits SET ${COLUMN[f]} = $3, updated_at = now() WHERE scope = $1 AND key = $2`,
        [scope, k, values[f]],
      );
    }
    return (await this.list({ scope, key: k }))[0];
  }

  async clear(scope: LimitScope, key: string): Promise<boolean> {
    const r = await this.db.query(`DELETE FROM outbound_limits WHERE scope = $1 AND key = $2`, [
      scope,
      key.toLowerCase(),
    ]);
    return r.rowCount > 0;
  }

  async list(filter: { scope?: LimitScope; key?: string } = {}): Promise<LimitOverride[]> {
    const found = await this.db.query<OverrideRow>(
      `SELECT * FROM outbound_limits WHERE ($1::text IS NULL OR scope = $1) AND ($2::text IS NULL OR key = $2)
       ORDER BY scope, key`,
      [filter.scope ?? null, filter.key?.toLowerCase() ?? null],
    );
    return found.rows.map(fromRow);
  }
}

function stripKey(o: LimitOverride): Partial<RateLimits> {
  const { scope: _s, key: _k, ...rest } = o;
  return rest;
}
