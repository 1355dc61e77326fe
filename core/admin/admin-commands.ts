import { releaseSpoolReference } from '../delivery/inbound-job';
import type { SieveLimits } from '../sieve/sieve-limits';
import type { Directory } from '../directory/directory';
import { refuseLoopsWith } from '../directory/alias-graph';
import { DirectoryError } from '../directory/errors';
import type { JobState, QueueName, Spool } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import { SecuritySettingsStore } from '../security/settings-store';
import { SettingError } from '../security/settings';
import type { DkimKeyStore } from '../dkim/dkim-keys';
import { addAdmin } from '../webadmin/admins';
import { ConfigImportError, exportConfig, importConfig } from '../webadmin/config-profile';
import { ClusterRegistry } from '../cluster/registry';
import { assertPasswordAcceptable, WeakPasswordError } from '../security/password-policy';
import { isAudited, valueAfter, valueBefore, writeAudit } from './admin-audit';
import { listGrants, removeGrant } from '../store/mailbox-access';
import { DavAdminError, isDavCommand, runDavCommand, type DavAdminCommand } from './dav-commands';
import { runEasAdminCommand, type EasAdminCommand } from './eas-devices';
import { isSieveCommand, runSieveCommand, type SieveAdminCommand } from './sieve-commands';
import { isOutboundCommand, runOutboundCommand, type OutboundAdminCommand } from './outbound-commands';
import {
  isRelayDomainCommand,
  runRelayDomainCommand,
  type RelayDomainAdminCommand,
} from './relay-domain-commands';
import { HeldMail } from '../spool/held-mail';
import { isListCommand, runListCommand, type ListAdminCommand } from '../lists/admin-commands';
import { AdminError } from './admin-error';

/**
 * Every administrative operation as data, so the CLI can run it against the database directly or
 * send it to a running node's admin endpoint, with the same result either way.
 */
export type AdminCommand =
  | { op: 'domain.add'; name: string }
  | { op: 'domain.list' }
  | { op: 'domain.remove'; name: string; force?: boolean }
  | { op: 'domain.catchall'; name: string; target: string | null }
  | { op: 'user.add'; address: string; password: string; quotaBytes?: number | null }
  | { op: 'user.list'; domain?: string }
  | { op: 'user.show'; address: string }
  | { op: 'user.passwd'; address: string; password: string }
  | { op: 'user.quota'; address: string; quotaBytes: number | null }
  | { op: 'user.remove'; address: string }
  | { op: 'alias.add'; source: string; targets: string[] }
  | { op: 'alias.list'; domain?: string }
  | { op: 'alias.remove'; source: string; target?: string }
  | { op: 'forward.show'; address: string }
  | { op: 'forward.set'; address: string; targets: string[]; keepCopy: boolean }
  | { op: 'forward.list'; domain?: string }
  // Shared-mailbox grants (RFC 4314 ACLs set by users): list, and remove one by id.
  | { op: 'acl.list'; domain?: string; address?: string }
  | { op: 'acl.remove'; id: number }
  // state 'hold': held mail (core/spool/held-mail.ts), filtered by recipient domain or sender account.
  | { op: 'queue.list'; queue?: QueueName; state?: JobState; domain?: string; account?: string }
  | { op: 'queue.show'; id: string }
  | { op: 'queue.retry'; id: string }
  | { op: 'queue.delete'; id: string }
  // Security policy (core/security/settings.ts lists every key): global, or per hosted domain.
  | { op: 'security.show'; domain?: string }
  | { op: 'security.set'; key: string; value: unknown; domain?: string }
  | { op: 'security.unset'; key: string; domain?: string }
  | { op: 'dkim.generate'; domain: string; selector?: string }
  | { op: 'dkim.show'; domain: string }
  // Cluster (core/cluster): nodes, health, sessions, queue depth; drain one node.
  | { op: 'cluster.status' }
  | { op: 'cluster.drain'; node: string; undo?: boolean }
  // Web admin API (issue #8): administrators, configuration profile export/import.
  | { op: 'admin.add'; name: string; password: string }
  | { op: 'config.export' }
  | { op: 'config.import'; profile: unknown }
  // ActiveSync devices (core/admin/eas-devices.ts): list, remote wipe, remove.
  | EasAdminCommand
  // Mailing lists (core/lists/admin-commands.ts).
  | ListAdminCommand
  // Calendar and address book sharing (core/admin/dav-commands.ts).
  | DavAdminCommand
  // Sieve scripts of a user and a domain's global scripts (core/admin/sieve-commands.ts).
  | SieveAdminCommand
  // Outbound abuse control: account holds and rate-limit overrides (core/admin/outbound-commands.ts).
  | OutboundAdminCommand
  // Relay domains, ETRN's queues and their flush (core/admin/relay-domain-commands.ts).
  | RelayDomainAdminCommand;

export interface AdminContext {
  db: SqlDatabase;
  directory: Directory;
  spool: Spool;
  /** The node's security settings store (its cache is cleared on change); a fresh one when absent. */
  security?: SecuritySettingsStore;
  /** DKIM keys (needs the secret key that seals private keys). */
  dkim?: DkimKeyStore;
  /** Sieve script limits (the `sieve` settings); default core/sieve/sieve-limits.ts. */
  sieveLimits?: SieveLimits;
}

export { AdminError };

/** Who asks for a command: recorded in the audit log with every change. */
export interface AdminOrigin {
  /** `cli:<os user>`, an administrator's name, `user:<address>` (self-service), `system`. */
  actor: string;
  /**
   * In-process callers only (the node's own setup, tests): skip the password policy. Nothing that
   * arrives from outside the process (CLI, admin endpoint, admin API, webmail) sets it.
   */
  trusted?: boolean;
}

/** In-process use (tests, bootstrap code): recorded as `system`, password policy not applied. */
export const SYSTEM_ORIGIN: AdminOrigin = { actor: 'system', trusted: true };

export async function executeAdminCommand(
  ctx: AdminContext,
  command: AdminCommand,
  origin: AdminOrigin = { actor: 'unknown' },
): Promise<unknown> {
  const audited = isAudited(command);
  // The old value is read before the change (best effort: a bad argument fails in the command itself).
  const oldValue = audited ? await valueBefore(ctx, command).catch(() => null) : null;
  try {
    if (!origin.trusted) await checkPasswords(ctx, command);
    const result = await run(ctx, command);
    if (audited)
      await writeAudit(ctx, {
        actor: origin.actor,
        command,
        oldValue,
        newValue: valueAfter(command, result),
        outcome: 'ok',
      });
    return result;
  } catch (error) {
    const refusal = toAdminError(error);
    if (audited)
      await writeAudit(ctx, {
        actor: origin.actor,
        command,
        oldValue,
        newValue: null,
        outcome: `error: ${refusal instanceof AdminError ? refusal.code : 'failed'}`,
      });
    throw refusal;
  }
}

function toAdminError(error: unknown): unknown {
  if (error instanceof DirectoryError) return new AdminError(error.code, error.message);
  if (error instanceof DavAdminError) return new AdminError(error.code, error.message);
  if (error instanceof SettingError) return new AdminError('invalid', error.message);
  if (error instanceof WeakPasswordError) return new AdminError(error.code, error.message);
  return error;
}

/** The password policy (core/security/password-policy), with the settings of the address's domain. */
async function checkPasswords(ctx: AdminContext, command: AdminCommand): Promise<void> {
  if (command.op !== 'user.add' && command.op !== 'user.passwd' && command.op !== 'admin.add') return;
  const address = command.op === 'admin.add' ? command.name : command.address;
  const at = address.lastIndexOf('@');
  const domain = command.op !== 'admin.add' && at > 0 ? address.slice(at + 1).toLowerCase() : null;
  const store = ctx.security ?? new SecuritySettingsStore(ctx.db);
  const settings = await store.effective(domain && (await ctx.directory.getDomain(domain)) ? domain : null);
  assertPasswordAcceptable(command.password, {
    address,
    policy: { minLength: settings.passwordMinLength, minScore: settings.passwordMinScore },
  });
}

async function run(ctx: AdminContext, command: AdminCommand): Promise<unknown> {
  const { directory, spool } = ctx;
  if (isDavCommand(command)) return runDavCommand(ctx, command);
  if (isSieveCommand(command)) return runSieveCommand(ctx, command);
  if (isOutboundCommand(command)) return runOutboundCommand(ctx, command);
  if (isRelayDomainCommand(command)) return runRelayDomainCommand(ctx, command);
  if (isListCommand(command)) return runListCommand(ctx, command);
  switch (command.op) {
    case 'domain.add':
      return directory.addDomain(command.name);
    case 'domain.list':
      return directory.listDomains();
    case 'domain.remove':
      await directory.removeDomain(command.name, { force: command.force });
      return { removed: command.name };
    case 'domain.catchall':
      await directory.setCatchAll(command.name, command.target);
      return { domain: command.name, catchAll: command.target };
    case 'user.add':
      return directory.addAccount(command.address, command.password, { quotaBytes: command.quotaBytes });
    case 'user.list':
      return directory.listAccounts(command.domain);
    case 'user.show': {
      const account = await directory.getAccount(command.address);
      if (!account) throw new AdminError('not-found', `no account ${command.address}`);
      const mailboxes = await ctx.db.query<{ name: string; messages: number; unseen: number }>(
        `SELECT name, message_count::int AS messages, unseen_count::int AS unseen
         FROM mailboxes WHERE account_id = $1 ORDER BY name`,
        [account.id],
      );
      const aliases = await ctx.db.query<{ source: string }>(`SELECT source FROM aliases WHERE target = $1`, [
        account.address,
      ]);
      return { ...account, mailboxes: mailboxes.rows, aliases: aliases.rows.map((row) => row.source) };
    }
    case 'user.passwd':
      await directory.setPassword(command.address, command.password);
      return { address: command.address, passwordChanged: true };
    case 'user.quota':
      await directory.setQuota(command.address, command.quotaBytes);
      return { address: command.address, quotaBytes: command.quotaBytes };
    case 'user.remove':
      await directory.removeAccount(command.address);
      return { removed: command.address };
    case 'alias.add':
      return directory.addAlias(command.source, command.targets);
    case 'alias.list':
      return directory.listAliases(command.domain);
    case 'alias.remove':
      return { removed: await directory.removeAlias(command.source, command.target) };
    case 'forward.show':
      return directory.forwarding.get(command.address);
    case 'forward.set':
      return directory.forwarding.set(command.address, command.targets, command.keepCopy);
    case 'forward.list':
      return directory.forwarding.list(command.domain);
    case 'acl.list':
      return listGrants(ctx.db, { domain: command.domain, address: command.address });
    case 'acl.remove': {
      const removed = await removeGrant(ctx.db, command.id);
      if (!removed) throw new AdminError('not-found', `no grant ${command.id}`);
      return removed;
    }
    case 'queue.list':
      if (command.state === 'hold') {
        return new HeldMail(ctx.db).list({ domain: command.domain, account: command.account });
      }
      return spool.list({ queue: command.queue, state: command.state });
    case 'queue.show': {
      const job = await spool.get(command.id);
      if (!job) throw new AdminError('not-found', `no queued job ${command.id}`);
      return job;
    }
    case 'queue.retry': {
      if (!(await spool.retryNow(command.id))) {
        throw new AdminError(
          'not-found',
          `no waiting or dead job ${command.id} (a job being processed cannot be retried)`,
        );
      }
      return { retried: command.id };
    }
    case 'security.show':
      return {
        scope: command.domain ?? 'global',
        settings: await (ctx.security ?? new SecuritySettingsStore(ctx.db)).show(command.domain),
      };
    case 'security.set': {
      const store = ctx.security ?? new SecuritySettingsStore(ctx.db);
      const value = await store.set(command.key, command.value, command.domain);
      return { scope: command.domain ?? 'global', key: command.key, value };
    }
    case 'security.unset': {
      const store = ctx.security ?? new SecuritySettingsStore(ctx.db);
      const removed = await store.unset(command.key, command.domain);
      return { scope: command.domain ?? 'global', key: command.key, removed };
    }
    case 'queue.delete': {
      const job = await spool.remove(command.id);
      if (!job) throw new AdminError('not-found', `no queued job ${command.id}`);
      await releaseSpoolReference(ctx.db, job.payload.queueId, job.payload.blobKey);
      return { deleted: command.id };
    }
    case 'dkim.generate': {
      if (!ctx.dkim) throw new AdminError('unavailable', 'DKIM keys are not available here');
      if (!(await directory.getDomain(command.domain))) {
        throw new AdminError('unknown-domain', `domain ${command.domain} is not hosted here`);
      }
      return ctx.dkim.generate(command.domain, command.selector);
    }
    case 'cluster.status':
      return new ClusterRegistry(ctx.db).status(spool);
    case 'cluster.drain': {
      if (!(await new ClusterRegistry(ctx.db).setDraining(command.node, !command.undo))) {
        throw new AdminError('not-found', `no cluster node ${command.node}`);
      }
      return { node: command.node, draining: !command.undo };
    }
    case 'admin.add':
      try {
        return await addAdmin(ctx.db, command.name, command.password);
      } catch (error) {
        throw new AdminError('invalid', (error as Error).message);
      }
    case 'config.export':
      return exportConfig(ctx.db);
    case 'config.import':
      await refuseLoopsWith(ctx.db, profileEdges(command.profile));
      try {
        return { imported: await importConfig(ctx.db, command.profile) };
      } catch (error) {
        if (error instanceof ConfigImportError) throw new AdminError('invalid', error.message);
        throw error;
      }
    case 'dkim.show': {
      const key = await ctx.dkim?.show(command.domain);
      if (!key) throw new AdminError('not-found', `no DKIM key for ${command.domain}`);
      return key;
    }
    case 'eas.devices':
    case 'eas.wipe':
    case 'eas.remove':
      return runEasAdminCommand(ctx, command);
  }
}

/** The aliases and forwarding a configuration profile would add, as source → target pairs. */
function profileEdges(profile: unknown): [string, string][] {
  const p = (profile ?? {}) as { aliases?: unknown; forwards?: unknown };
  const pairs: [string, string][] = [];
  for (const list of [p.aliases, p.forwards]) {
    if (!Array.isArray(list)) continue;
    for (const entry of list as { source?: unknown; address?: unknown; target?: unknown }[]) {
      const source = entry?.source ?? entry?.address;
      if (typeof source === 'string' && typeof entry.target === 'string') pairs.push([source, entry.target]);
    }
  }
  return pairs;
}
