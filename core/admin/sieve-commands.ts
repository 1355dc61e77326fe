/**
 * Admin commands for Sieve (`nimbus sieve …`, the admin API): a user's scripts (list, show,
 * store, activate, delete) and the per-domain global scripts run before and after them.
 * Every change is audited by executeAdminCommand; reads are not.
 */
import type { Directory } from '../directory/directory';
import type { SqlExecutor } from '../ports/sql';
import {
  DEFAULT_SIEVE_LIMITS,
  SieveScriptStore,
  type SieveLimits,
  type SievePhase,
} from '../sieve/script-store';
import { AdminError } from './admin-error';

export type SieveAdminCommand =
  | { op: 'sieve.list'; address: string }
  | { op: 'sieve.get'; address: string; name: string }
  | { op: 'sieve.put'; address: string; name: string; content: string; activate?: boolean }
  | { op: 'sieve.activate'; address: string; name: string | null }
  | { op: 'sieve.delete'; address: string; name: string }
  | { op: 'sieve.global.get'; domain: string; phase: SievePhase }
  | { op: 'sieve.global.put'; domain: string; phase: SievePhase; content: string }
  | { op: 'sieve.global.delete'; domain: string; phase: SievePhase };

export const SIEVE_READS = ['sieve.list', 'sieve.get', 'sieve.global.get'] as const;

export function isSieveCommand(command: { op: string }): command is SieveAdminCommand {
  return command.op.startsWith('sieve.');
}

interface Ctx {
  db: SqlExecutor;
  directory: Directory;
  sieveLimits?: SieveLimits;
}

async function accountId(directory: Directory, address: string): Promise<string> {
  const account = await directory.getAccount(address);
  if (!account) throw new AdminError('not-found', `no account ${address}`);
  return String(account.id);
}

function phaseOf(phase: string): SievePhase {
  if (phase !== 'before' && phase !== 'after')
    throw new AdminError('invalid', 'the phase is "before" or "after"');
  return phase;
}

const summary = (r: { name: string; active: boolean; size: number; updatedAt: Date }) => ({
  name: r.name,
  active: r.active,
  size: r.size,
  updatedAt: r.updatedAt.toISOString(),
});

export async function runSieveCommand(ctx: Ctx, command: SieveAdminCommand): Promise<unknown> {
  const store = new SieveScriptStore(ctx.db, ctx.sieveLimits ?? DEFAULT_SIEVE_LIMITS);
  switch (command.op) {
    case 'sieve.list':
      return (await store.list(await accountId(ctx.directory, command.address))).map(summary);
    case 'sieve.get': {
      const script = await store.get(await accountId(ctx.directory, command.address), command.name);
      if (!script) throw new AdminError('not-found', `no script "${command.name}" for ${command.address}`);
      return { ...summary(script), content: script.content };
    }
    case 'sieve.put': {
      const id = await accountId(ctx.directory, command.address);
      const result = await store.put(id, command.name, command.content);
      if (!result.ok) {
        if ('quota' in result)
          throw new AdminError(
            'invalid',
            result.quota === 'size'
              ? `the script is larger than ${store.limits.maxScriptBytes} bytes`
              : `at most ${store.limits.maxScripts} scripts per account`,
          );
        const { line, column, message } = result.error;
        throw new AdminError('invalid', `line ${line}, column ${column}: ${message}`);
      }
      if (command.activate) await store.setActive(id, command.name);
      return summary({ ...result.record, active: result.record.active || !!command.activate });
    }
    case 'sieve.activate': {
      const outcome = await store.setActive(await accountId(ctx.directory, command.address), command.name);
      if (outcome === 'missing')
        throw new AdminError('not-found', `no script "${command.name}" for ${command.address}`);
      return { address: command.address, active: command.name };
    }
    case 'sieve.delete': {
      const outcome = await store.remove(await accountId(ctx.directory, command.address), command.name);
      if (outcome === 'missing')
        throw new AdminError('not-found', `no script "${command.name}" for ${command.address}`);
      if (outcome === 'active')
        throw new AdminError(
          'invalid',
          `"${command.name}" is the active script: activate another (or none) first`,
        );
      return { removed: command.name, address: command.address };
    }
    case 'sieve.global.get': {
      const content = await store.getGlobal(command.domain, phaseOf(command.phase));
      if (content === null)
        throw new AdminError('not-found', `no global ${command.phase} script for ${command.domain}`);
      return { domain: command.domain, phase: command.phase, content };
    }
    case 'sieve.global.put': {
      const result = await store.putGlobal(command.domain, phaseOf(command.phase), command.content);
      if (!result.ok) {
        if ('missing' in result) throw new AdminError('not-found', `no domain ${command.domain}`);
        if ('quota' in result)
          throw new AdminError('invalid', `the script is larger than ${store.limits.maxScriptBytes} bytes`);
        const { line, column, message } = result.error;
        throw new AdminError('invalid', `line ${line}, column ${column}: ${message}`);
      }
      return {
        domain: command.domain,
        phase: command.phase,
        size: Buffer.byteLength(command.content, 'utf8'),
      };
    }
    case 'sieve.global.delete': {
      const outcome = await store.removeGlobal(command.domain, phaseOf(command.phase));
      if (outcome === 'missing')
        throw new AdminError('not-found', `no global ${command.phase} script for ${command.domain}`);
      return { removed: `${command.domain}/${command.phase}` };
    }
  }
}

/** The audit log's old value: what a change replaces (the script's size and state, not its text). */
export async function sieveValueBefore(
  ctx: Ctx,
  command: SieveAdminCommand,
): Promise<Record<string, unknown> | null> {
  const store = new SieveScriptStore(ctx.db);
  switch (command.op) {
    case 'sieve.put':
    case 'sieve.delete': {
      const account = await ctx.directory.getAccount(command.address);
      const script = account ? await store.get(String(account.id), command.name) : null;
      return script && summary(script);
    }
    case 'sieve.activate': {
      const account = await ctx.directory.getAccount(command.address);
      const active = account ? await store.active(String(account.id)) : null;
      return { active: active?.name ?? null };
    }
    case 'sieve.global.put':
    case 'sieve.global.delete': {
      const content = await store.getGlobal(command.domain, command.phase).catch(() => null);
      return content === null ? null : { size: Buffer.byteLength(content, 'utf8') };
    }
    default:
      return null;
  }
}
