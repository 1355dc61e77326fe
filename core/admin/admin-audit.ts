/**
 * The audit log of administrative changes (table admin_audit, GET /api/admin/audit): every change
 * made through core/admin — CLI against the database, CLI through a node's admin endpoint, the
 * admin API, a user's own password change — with its actor, target, old and new value, outcome
 * and time. Reads are not recorded, except the configuration export (it carries password hashes
 * and sealed keys). Secrets never reach the log: passwords, hashes, private keys and profiles are
 * masked (redact), and values are summaries, not whole records.
 */
import type { AdminCommand, AdminContext } from './admin-commands';
import { SecuritySettingsStore } from '../security/settings-store';
import { redact } from '../webadmin/admins';
import { grantById } from '../store/mailbox-access';
import { easValueBefore } from './eas-devices';
import { isSieveCommand, SIEVE_READS, sieveValueBefore } from './sieve-commands';
import { LIST_READS } from '../lists/admin-commands';
import { OUTBOUND_READS } from './outbound-commands';
import { isRelayDomainCommand, RELAY_DOMAIN_READS, relayDomainValueBefore } from './relay-domain-commands';

/** Operations that change nothing (not recorded). */
const READS = new Set<AdminCommand['op']>([
  'domain.list',
  'user.list',
  'user.show',
  'alias.list',
  'forward.show',
  'forward.list',
  'acl.list',
  'queue.list',
  'queue.show',
  'security.show',
  'dkim.show',
  'cluster.status',
  'eas.devices',
  'dav.shares',
  ...SIEVE_READS,
  ...LIST_READS,
  ...OUTBOUND_READS,
  ...RELAY_DOMAIN_READS,
]);

export function isAudited(command: AdminCommand): boolean {
  return !READS.has(command.op);
}

/** The object of a command, for the audit log's `target` column. */
export function targetOf(command: AdminCommand): string | null {
  if (command.op === 'security.set' || command.op === 'security.unset')
    return `${command.domain ?? 'global'}/${command.key}`;
  const c = command as Record<string, unknown>;
  for (const key of ['address', 'name', 'source', 'domain', 'id', 'key', 'node'])
    if (typeof c[key] === 'string') return c[key] as string;
  return null;
}

type Value = Record<string, unknown> | null;

/** The state a command is about to change, as a small summary (null: nothing before, or nothing worth keeping). */
export async function valueBefore(ctx: AdminContext, command: AdminCommand): Promise<Value> {
  const { directory } = ctx;
  if (isSieveCommand(command)) return sieveValueBefore(ctx, command);
  if (isRelayDomainCommand(command)) return relayDomainValueBefore(ctx, command);
  switch (command.op) {
    case 'domain.remove':
    case 'domain.catchall': {
      const domain = await directory.getDomain(command.name);
      return domain && { name: domain.name, catchAll: domain.catchAll };
    }
    case 'user.quota':
    case 'user.remove': {
      const account = await directory.getAccount(command.address);
      return (
        account && { address: account.address, quotaBytes: account.quotaBytes, disabled: account.disabled }
      );
    }
    case 'alias.add':
    case 'alias.remove': {
      const source = command.source.trim().toLowerCase();
      const rows = await ctx.db.query<{ target: string }>(
        `SELECT target FROM aliases WHERE source = $1 ORDER BY target`,
        [source],
      );
      return { targets: rows.rows.map((row) => row.target) };
    }
    case 'forward.set': {
      const account = await directory.getAccount(command.address);
      if (!account) return null;
      const forwarding = await directory.forwarding.get(account.address);
      return { targets: forwarding.targets, keepCopy: forwarding.keepCopy };
    }
    case 'queue.retry':
    case 'queue.delete': {
      const job = await ctx.spool.get(command.id);
      return job && { queue: job.queue, state: job.state, attempts: job.attempts };
    }
    case 'security.set':
    case 'security.unset': {
      const store = ctx.security ?? new SecuritySettingsStore(ctx.db);
      const view = (await store.show(command.domain)).find((s) => s.key === command.key);
      return view ? { value: view.value, source: view.source } : null;
    }
    case 'dkim.generate': {
      const key = await ctx.dkim?.show(command.domain);
      return key ? { selector: key.selector } : null;
    }
    case 'acl.remove':
      return { ...(await grantById(ctx.db, command.id)) };
    case 'admin.add': {
      const rows = await ctx.db.query(`SELECT 1 FROM admins WHERE name = $1`, [command.name.toLowerCase()]);
      return { exists: rows.rows.length > 0 };
    }
    case 'eas.wipe':
    case 'eas.remove':
      return easValueBefore(ctx, command);
    default:
      return null;
  }
}

/** What a command made (from its result), as a small summary without secrets. */
export function valueAfter(command: AdminCommand, result: unknown): Value {
  const r = (result ?? {}) as Record<string, unknown>;
  switch (command.op) {
    case 'user.add':
      return { address: r.address, quotaBytes: r.quotaBytes ?? null };
    case 'user.passwd':
      return { changed: 'password' };
    case 'dkim.generate':
      return { selector: r.selector, dns: r.dns };
    case 'config.export':
      return null;
    case 'config.import':
      return { imported: r.imported };
    case 'admin.add':
      return { name: r.name };
    case 'domain.add':
      return { name: r.name };
    default:
      return result === undefined ? null : (redact(result) as Value);
  }
}

export interface AuditEntry {
  actor: string;
  command: AdminCommand;
  oldValue: Value;
  newValue: Value;
  outcome: string;
}

export async function writeAudit(ctx: AdminContext, entry: AuditEntry): Promise<void> {
  await ctx.db.query(
    // The casts: the Data API binds strings as text (no inference to jsonb as with pg).
    `INSERT INTO admin_audit (actor, action, target, detail, outcome, old_value, new_value)
     VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7::jsonb)`,
    [
      entry.actor,
      entry.command.op,
      targetOf(entry.command),
      JSON.stringify(redact(entry.command)),
      entry.outcome,
      JSON.stringify(entry.oldValue),
      JSON.stringify(entry.newValue === null ? null : redact(entry.newValue)),
    ],
  );
}
