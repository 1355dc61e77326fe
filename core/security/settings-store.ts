import { DirectoryError } from '../directory/errors';
import { normaliseDomain } from '../mail/address';
import type { SqlExecutor } from '../ports/sql';
import {
  SETTINGS,
  SettingError,
  parseSettingValue,
  settingDefinition,
  toSettings,
  type SecuritySettings,
  type SettingValue,
} from './settings';

export const GLOBAL_SCOPE = '*';

/** One row of `nimbus security show`: the effective value and where it comes from. */
export interface SettingView {
  key: string;
  value: SettingValue;
  source: 'default' | 'config' | 'global' | 'domain';
  perDomain: boolean;
  description: string;
}

/**
 * Security settings in the directory (SQL), so that a change made on one node applies to every
 * node of the cluster. Reads are cached for `cacheSeconds` (a change made on this node clears
 * the cache at once; other nodes pick it up within that time).
 */
export class SecuritySettingsStore {
  private cache = new Map<string, { at: number; rows: Map<string, SettingValue> }>();
  private lastGlobal: SecuritySettings;

  constructor(
    private readonly db: SqlExecutor,
    /** Bootstrap defaults from the node configuration (e.g. relay.networks ← smtp.relayNetworks). */
    private readonly bootstrap: Partial<Record<string, SettingValue>> = {},
    private readonly cacheSeconds = 10,
    private readonly now: () => number = Date.now,
  ) {
    this.lastGlobal = toSettings(this.merge(new Map(), new Map()));
  }

  /** The effective settings for mail to `domain` (global settings when omitted or not hosted). */
  async effective(domain?: string | null): Promise<SecuritySettings> {
    const global = await this.rows(GLOBAL_SCOPE);
    const scoped = domain ? await this.rows(domain.toLowerCase()) : new Map<string, SettingValue>();
    const settings = toSettings(this.merge(global, scoped));
    if (!domain) this.lastGlobal = settings;
    return settings;
  }

  /** The global settings as last read (synchronous, for per-reply decisions such as tarpitting). */
  get globalSnapshot(): SecuritySettings {
    return this.lastGlobal;
  }

  async show(domain?: string): Promise<SettingView[]> {
    const scope = domain ? await this.domainScope(domain) : GLOBAL_SCOPE;
    const global = await this.rows(GLOBAL_SCOPE, true);
    const scoped = scope === GLOBAL_SCOPE ? new Map<string, SettingValue>() : await this.rows(scope, true);
    return SETTINGS.filter((s) => scope === GLOBAL_SCOPE || s.perDomain).map((s) => {
      let source: SettingView['source'] = 'default';
      let value = s.default;
      if (this.bootstrap[s.key] !== undefined) {
        value = this.bootstrap[s.key]!;
        source = 'config';
      }
      if (global.has(s.key)) {
        value = global.get(s.key)!;
        source = 'global';
      }
      if (scoped.has(s.key)) {
        value = scoped.get(s.key)!;
        source = 'domain';
      }
      return { key: s.key, value, source, perDomain: s.perDomain, description: s.description };
    });
  }

  /** Sets KEY to VALUE (text or JSON) globally or for one hosted domain; returns the stored value. */
  async set(key: string, input: unknown, domain?: string): Promise<SettingValue> {
    const definition = settingDefinition(key);
    if (domain && !definition.perDomain) {
      throw new SettingError(`${key} is a global setting; set it without --domain`);
    }
    const scope = domain ? await this.domainScope(domain) : GLOBAL_SCOPE;
    const value = parseSettingValue(key, input);
    await this.db.query(
      `INSERT INTO security_settings (scope, key, value) VALUES ($1, $2, $3)
       ON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [scope, key, JSON.stringify(value)],
    );
    this.cache.clear();
    return value;
  }

  /** Removes an override: the domain falls back to the global value, global to the default. */
  async unset(key: string, domain?: string): Promise<boolean> {
    settingDefinition(key);
    const scope = domain ? await this.domainScope(domain) : GLOBAL_SCOPE;
    const result = await this.db.query(`DELETE FROM security_settings WHERE scope = $1 AND key = $2`, [
      scope,
      key,
    ]);
    this.cache.clear();
    return result.rowCount > 0;
  }

  private async domainScope(domain: string): Promise<string> {
    let name: string;
    try {
      name = normaliseDomain(domain);
    } catch (error) {
      throw new SettingError((error as Error).message);
    }
    const found = await this.db.query(`SELECT 1 FROM domains WHERE name = $1`, [name]);
    if (found.rows.length === 0)
      throw new DirectoryError('unknown-domain', `domain ${name} is not hosted here`);
    return name;
  }

  private merge(
    global: Map<string, SettingValue>,
    scoped: Map<string, SettingValue>,
  ): Map<string, SettingValue> {
    const out = new Map<string, SettingValue>();
    for (const s of SETTINGS) {
      let value = this.bootstrap[s.key] ?? s.default;
      if (global.has(s.key)) value = global.get(s.key)!;
      if (s.perDomain && scoped.has(s.key)) value = scoped.get(s.key)!;
      out.set(s.key, value);
    }
    return out;
  }

  private async rows(scope: string, fresh = false): Promise<Map<string, SettingValue>> {
    const cached = this.cache.get(scope);
    if (!fresh && cached && this.now() - cached.at < this.cacheSeconds * 1000) return cached.rows;
    // value::text and JSON.parse: the same on PGlite, pg and the Data API (which returns JSON as text).
    const result = await this.db.query<{ key: string; value: string }>(
      `SELECT key, value::text AS value FROM security_settings WHERE scope = $1`,
      [scope],
    );
    const rows = new Map<string, SettingValue>();
    for (const row of result.rows) {
      const value = JSON.parse(row.value) as SettingValue;
      // A key no longer known (older/newer version) is ignored, not fatal.
      if (SETTINGS.some((s) => s.key === row.key)) rows.set(row.key, value);
    }
    this.cache.set(scope, { at: this.now(), rows });
    return rows;
  }
}
