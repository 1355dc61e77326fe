/** Administrators (separate from mailbox users) and the admin audit log. */
import { hashPassword, verifyPassword } from '../directory/password';
import type { SqlExecutor } from '../ports/sql';

export interface Admin {
  id: number;
  name: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const DUMMY = '$scrypt$N=32768,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export async function addAdmin(db: SqlExecutor, name: string, password: string): Promise<Admin> {
  if (!NAME.test(name)) throw new Error('admin names are 1–64 letters, digits, ".", "_" or "-"');
  if (password.length < 8) throw new Error('admin passwords need at least 8 characters');
  const hash = await hashPassword(password);
  const r = await db.query<{ id: string; name: string }>(
    `INSERT INTO admins (name, password_hash) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET password_hash = EXCLUDED.password_hash RETURNING id, name`,
    [name.toLowerCase(), hash],
  );
  return { id: Number(r.rows[0].id), name: r.rows[0].name };
}

export async function authenticateAdmin(
  db: SqlExecutor,
  name: string,
  password: string,
): Promise<Admin | null> {
  const r = await db.query<{ id: string; name: string; password_hash: string }>(
    `SELECT * FROM admins WHERE name = $1`,
    [name.toLowerCase()],
  );
  const row = r.rows[0];
  const ok = await verifyPassword(password, row?.password_hash ?? DUMMY);
  return row && ok ? { id: Number(row.id), name: row.name } : null;
}

export async function getAdmin(db: SqlExecutor, id: number): Promise<Admin | null> {
  const r = await db.query<{ id: string; name: string }>(`SELECT id, name FROM admins WHERE id = $1`, [id]);
  return r.rows[0] ? { id: Number(r.rows[0].id), name: r.rows[0].name } : null;
}

export async function audit(
  db: SqlExecutor,
  entry: { actor: string; action: string; target?: string | null; detail?: unknown; outcome: string },
): Promise<void> {
  await db.query(
    // The cast: the Data API binds strings as text (no inference to jsonb as with pg).
    `INSERT INTO admin_audit (actor, action, target, detail, outcome) VALUES ($1, $2, $3, $4::jsonb, $5)`,
    [entry.actor, entry.action, entry.target ?? null, JSON.stringify(entry.detail ?? null), entry.outcome],
  );
}

export async function auditLog(db: SqlExecutor, limit = 100, before?: number) {
  const r = await db.query<{
    id: string;
    at: Date;
    actor: string;
    action: string;
    target: string | null;
    detail: unknown;
    outcome: string;
  }>(
    `SELECT * FROM admin_audit ${before ? 'WHERE id < $2' : ''} ORDER BY id DESC LIMIT $1`,
    before ? [limit, before] : [limit],
  );
  return r.rows.map((row) => ({ ...row, id: Number(row.id), at: new Date(row.at).toISOString() }));
}

/** Never log secrets: passwords and key material are masked in audit details. */
export function redact(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(redact);
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      /password|secret|private|hash|profile/i.test(k) ? '***' : redact(v),
    ]),
  );
}
