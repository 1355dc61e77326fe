/**
 * Admin commands for outbound abuse control (`nimbus user hold|release|holds`, `nimbus limits …`,
 * the admin API): hold an account, release it (its held mail goes back to the spool, or is
 * purged), list the holds, and set the per-user/domain/IP limit overrides. Every change is
 * audited by executeAdminCommand; the reads are not.
 */
import { AccountHolds } from '../outbound/account-holds';
import { LIMIT_FIELDS, LIMIT_SCOPES, LimitStore, type LimitScope, type RateLimits } from '../outbound/limits';
import type { Spool } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import { HeldMail } from '../spool/held-mail';
import { AdminError } from './admin-error';

type LimitValues = Partial<Record<keyof RateLimits, number | null>>;

export type OutboundAdminCommand =
  | { op: 'outbound.hold'; address: string; reason?: string }
  | { op: 'outbound.release'; address: string; purge?: boolean }
  | { op: 'outbound.holds' }
  | ({ op: 'outbound.limits.set'; scope: LimitScope; key: string } & LimitValues)
  | { op: 'outbound.limits.clear'; scope: LimitScope; key: string }
  | { op: 'outbound.limits.list'; scope?: LimitScope };

export const OUTBOUND_READS = ['outbound.holds', 'outbound.limits.list'] as const;

export function isOutboundCommand(command: { op: string }): command is OutboundAdminCommand {
  return command.op.startsWith('outbound.');
}

interface Ctx {
  db: SqlDatabase;
  spool: Spool;
}

function scopeOf(scope: unknown): LimitScope {
  if (!LIMIT_SCOPES.includes(scope as LimitScope)) {
    throw new AdminError('invalid', `the scope is one of ${LIMIT_SCOPES.join(', ')}`);
  }
  return scope as LimitScope;
}

function address(value: unknown): string {
  if (typeof value !== 'string' || !value.includes('@'))
    throw new AdminError('invalid', 'an address is needed');
  return value.toLowerCase();
}

export async function runOutboundCommand(ctx: Ctx, command: OutboundAdminCommand): Promise<unknown> {
  const holds = new AccountHolds(ctx.db);
  const limits = new LimitStore(ctx.db);
  switch (command.op) {
    case 'outbound.hold': {
      const account = address(command.address);
      const fresh = await holds.hold(account, command.reason ?? 'held by an administrator');
      return { account, held: true, new: fresh };
    }
    case 'outbound.release': {
      const account = address(command.address);
      const wasHeld = await holds.release(account);
      const held = new HeldMail(ctx.db);
      const filter = { reason: 'account' as const, account };
      const count = command.purge ? await held.purge(filter) : await held.release(ctx.spool, filter);
      return { account, wasHeld, [command.purge ? 'purged' : 'released']: count };
    }
    case 'outbound.holds': {
      const held = new HeldMail(ctx.db);
      return Promise.all(
        (await holds.list()).map(async (h) => ({
          account: h.account,
          reason: h.reason,
          since: h.since.toISOString(),
          messages: await held.count({ reason: 'account', account: h.account }),
        })),
      );
    }
    case 'outbound.limits.set': {
      const values: LimitValues = {};
      for (const f of LIMIT_FIELDS) {
        const v = command[f];
        if (v === undefined) continue;
        if (v !== null && (!Number.isInteger(v) || v < 0)) {
          throw new AdminError('invalid', `${f} is a whole number ≥ 0 (or null to clear)`);
        }
        values[f] = v;
      }
      if (Object.keys(values).length === 0) throw new AdminError('invalid', 'no limit given');
      return limits.set(scopeOf(command.scope), String(command.key), values);
    }
    case 'outbound.limits.clear': {
      const removed = await limits.clear(scopeOf(command.scope), String(command.key));
      if (!removed) throw new AdminError('not-found', `no limits set for ${command.scope} ${command.key}`);
      return { removed };
    }
    case 'outbound.limits.list':
      return limits.list({ scope: command.scope === undefined ? undefined : scopeOf(command.scope) });
  }
}
