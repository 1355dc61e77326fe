/**
 * Sieve scripts in SQL: a user's named scripts (one of them active, RFC 5804) and the global
 * scripts an administrator sets per domain. Every write validates the script first, so delivery
 * only ever meets scripts that compiled when stored (a later engine change is still caught there).
 */
import type { SqlExecutor } from '../ports/sql';
import { compileSieve } from './index';
import { DEFAULT_SIEVE_LIMITS, type SieveLimits } from './sieve-limits';

export { DEFAULT_SIEVE_LIMITS, type SieveLimits } from './sieve-limits';

export interface SieveScriptRecord {
  id: string;
  name: string;
  content: string;
  active: boolean;
  size: number;
  updatedAt: Date;
}

export interface SieveCompileError {
  line: number;
  column: number;
  message: string;
}

export type SievePutResult =
  | { ok: true; record: SieveScriptRecord }
  | { ok: false; error: SieveCompileError }
  | { ok: false; quota: 'size' | 'count' };

export type SieveGlobalPutResult =
  | { ok: true }
  | { ok: false; error: SieveCompileError }
  | { ok: false; quota: 'size' }
  | { ok: false; missing: 'domain' };

export type SievePhase = 'before' | 'after';

/** Half of a UTF-16 pair without the other half: not UTF-8 encodable. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** RFC 5804 §1.6: 1..128 characters, no controls (C0, DEL, C1), no line or paragraph separators. */
export function validScriptName(name: string): boolean {
  const chars = [...name];
  if (chars.length < 1 || chars.length > 128) return false;
  return !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(name) && !LONE_SURROGATE.test(name);
}

interface ScriptRow {
  id: string | number;
  name: string;
  content: string;
  active: boolean;
  size: number | string;
  updated_at: Date | string;
}

const COLUMNS = 'id, name, content, active, size, updated_at';

const toRecord = (r: ScriptRow): SieveScriptRecord => ({
  id: String(r.id),
  name: r.name,
  content: r.content,
  active: r.active,
  size: Number(r.size),
  updatedAt: r.updated_at instanceof Date ? r.updated_at : new Date(r.updated_at),
});

export class SieveScriptStore {
  constructor(
    private readonly db: SqlExecutor,
    readonly limits: SieveLimits = DEFAULT_SIEVE_LIMITS,
  ) {}

  async list(accountId: string): Promise<SieveScriptRecord[]> {
    const r = await this.db.query<ScriptRow>(
      `SELECT ${COLUMNS} FROM sieve_scripts WHERE account_id = $1 ORDER BY name`,
      [accountId],
    );
    return r.rows.map(toRecord);
  }

  async get(accountId: string, name: string): Promise<SieveScriptRecord | null> {
    const r = await this.db.query<ScriptRow>(
      `SELECT ${COLUMNS} FROM sieve_scripts WHERE account_id = $1 AND name = $2`,
      [accountId, name],
    );
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  async getById(accountId: string, id: string): Promise<SieveScriptRecord | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const r = await this.db.query<ScriptRow>(
      `SELECT ${COLUMNS} FROM sieve_scripts WHERE account_id = $1 AND id = $2`,
      [accountId, id],
    );
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  async active(accountId: string): Promise<SieveScriptRecord | null> {
    const r = await this.db.query<ScriptRow>(
      `SELECT ${COLUMNS} FROM sieve_scripts WHERE account_id = $1 AND active`,
      [accountId],
    );
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  /** Compiles without storing (ManageSieve CHECKSCRIPT); the size limit applies as for put. */
  check(content: string, options: { global?: boolean } = {}): ReturnType<typeof compileSieve> {
    return compileSieve(content, { maxBytes: this.limits.maxScriptBytes, global: options.global });
  }

  /** Creates or replaces a script (keeping its active flag); validates size, count and syntax. */
  async put(accountId: string, name: string, content: string): Promise<SievePutResult> {
    if (!validScriptName(name))
      return { ok: false, error: { line: 0, column: 0, message: 'invalid script name' } };
    const size = Buffer.byteLength(content, 'utf8');
    if (size > this.limits.maxScriptBytes) return { ok: false, quota: 'size' };
    const compiled = this.check(content);
    if (!compiled.ok) return { ok: false, error: compiled.error };
    return this.db.transaction(async (tx) => {
      // Lock the account row so two concurrent creations cannot both pass the count check.
      await tx.query(`SELECT id FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
      const existing = await tx.query<{ id: string }>(
        `SELECT id FROM sieve_scripts WHERE account_id = $1 AND name = $2`,
        [accountId, name],
      );
      if (!existing.rows[0]) {
        const count = await tx.query<{ n: string | number }>(
          `SELECT count(*) AS n FROM sieve_scripts WHERE account_id = $1`,
          [accountId],
        );
        if (Number(count.rows[0]?.n ?? 0) >= this.limits.maxScripts)
          return { ok: false, quota: 'count' } as const;
      }
      const r = await tx.query<ScriptRow>(
        `INSERT INTO sieve_scripts (account_id, name, content, size) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id, name) DO UPDATE SET content = EXCLUDED.content, size = EXCLUDED.size, updated_at = now()
         RETURNING ${COLUMNS}`,
        [accountId, name, content, size],
      );
      return { ok: true, record: toRecord(r.rows[0]!) } as const;
    });
  }

  async rename(accountId: string, from: string, to: string): Promise<'ok' | 'missing' | 'exists'> {
    if (!validScriptName(to)) return 'missing';
    return this.db.transaction(async (tx) => {
      const target = await tx.query(`SELECT 1 FROM sieve_scripts WHERE account_id = $1 AND name = $2`, [
        accountId,
        to,
      ]);
      if (target.rows.length > 0) return from === to ? 'ok' : 'exists';
      const r = await tx.query(
        `UPDATE sieve_scripts SET name = $3, updated_at = now() WHERE account_id = $1 AND name = $2`,
        [accountId, from, to],
      );
      return r.rowCount > 0 ? 'ok' : 'missing';
    });
  }

  /** The active script cannot be deleted (RFC 5804 DELETESCRIPT): deactivate it first. */
  async remove(accountId: string, name: string): Promise<'ok' | 'missing' | 'active'> {
    const script = await this.get(accountId, name);
    if (!script) return 'missing';
    if (script.active) return 'active';
    const r = await this.db.query(
      `DELETE FROM sieve_scripts WHERE account_id = $1 AND name = $2 AND NOT active`,
      [accountId, name],
    );
    return r.rowCount > 0 ? 'ok' : 'active';
  }

  /** `null` deactivates every script (SETACTIVE ""). */
  async setActive(accountId: string, name: string | null): Promise<'ok' | 'missing'> {
    return this.db.transaction(async (tx) => {
      if (name !== null) {
        const found = await tx.query(`SELECT 1 FROM sieve_scripts WHERE account_id = $1 AND name = $2`, [
          accountId,
          name,
        ]);
        if (found.rows.length === 0) return 'missing';
      }
      await tx.query(`UPDATE sieve_scripts SET active = false WHERE account_id = $1 AND active`, [accountId]);
      if (name !== null)
        await tx.query(`UPDATE sieve_scripts SET active = true WHERE account_id = $1 AND name = $2`, [
          accountId,
          name,
        ]);
      return 'ok';
    });
  }

  async getGlobal(domain: string, phase: SievePhase): Promise<string | null> {
    const r = await this.db.query<{ content: string }>(
      `SELECT g.content FROM sieve_global_scripts g JOIN domains d ON d.id = g.domain_id
       WHERE d.name = $1 AND g.phase = $2`,
      [domain.toLowerCase(), phase],
    );
    return r.rows[0]?.content ?? null;
  }

  async putGlobal(domain: string, phase: SievePhase, content: string): Promise<SieveGlobalPutResult> {
    if (Buffer.byteLength(content, 'utf8') > this.limits.maxScriptBytes) return { ok: false, quota: 'size' };
    const compiled = this.check(content, { global: true });
    if (!compiled.ok) return { ok: false, error: compiled.error };
    const r = await this.db.query(
      `INSERT INTO sieve_global_scripts (domain_id, phase, content)
       SELECT id, $2, $3 FROM domains WHERE name = $1
       ON CONFLICT (domain_id, phase) DO UPDATE SET content = EXCLUDED.content, updated_at = now()`,
      [domain.toLowerCase(), phase, content],
    );
    return r.rowCount > 0 ? { ok: true } : { ok: false, missing: 'domain' };
  }

  async removeGlobal(domain: string, phase: SievePhase): Promise<'ok' | 'missing'> {
    const r = await this.db.query(
      `DELETE FROM sieve_global_scripts WHERE phase = $2 AND domain_id = (SELECT id FROM domains WHERE name = $1)`,
      [domain.toLowerCase(), phase],
    );
    return r.rowCount > 0 ? 'ok' : 'missing';
  }
}
