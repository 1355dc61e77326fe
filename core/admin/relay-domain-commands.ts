/**
 * Admin commands for relay domains (issue #19: `nimbus relay-domain add|remove|list|show`,
 * `nimbus queue flush DOMAIN`, the admin API): store-and-forward and backup-MX domains, and the
 * release of their held mail. Changes are audited by executeAdminCommand; the reads are not.
 */
import type { Spool } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import {
  RelayDomainError,
  RelayDomainStore,
  formatHostPort,
  type RelayDomain,
  type RelayMode,
} from '../relay-domains/relay-domain-store';
import { HeldMail } from '../spool/held-mail';
import { AdminError } from './admin-error';

export type RelayDomainAdminCommand =
  | {
      op: 'relayDomain.add';
      name: string;
      mode?: RelayMode;
      deliverTo?: string | null;
      etrnNetworks?: string[];
      etrnOwner?: string | null;
      recipients?: string[];
    }
  | { op: 'relayDomain.remove'; name: string }
  | { op: 'relayDomain.list' }
  | { op: 'relayDomain.show'; name: string }
  | { op: 'queue.flush'; domain: string; includeSubdomains?: boolean };

export const RELAY_DOMAIN_READS = ['relayDomain.list', 'relayDomain.show'] as const;

export function isRelayDomainCommand(command: { op: string }): command is RelayDomainAdminCommand {
  return command.op.startsWith('relayDomain.') || command.op === 'queue.flush';
}

interface Ctx {
  db: SqlDatabase;
  spool: Spool;
}

/** A relay domain as the CLI and the API show it (deliverTo as HOST:PORT). */
export function relayDomainView(domain: RelayDomain): Record<string, unknown> {
  return { ...domain, deliverTo: domain.deliverTo ? formatHostPort(domain.deliverTo) : null };
}

function name(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new AdminError('invalid', 'a domain is needed');
  return value.trim().toLowerCase();
}

function strings(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new AdminError('invalid', `${field} is a list of strings`);
  }
  return value as string[];
}

export async function runRelayDomainCommand(ctx: Ctx, command: RelayDomainAdminCommand): Promise<unknown> {
  const store = new RelayDomainStore(ctx.db);
  const held = new HeldMail(ctx.db);
  try {
    switch (command.op) {
      case 'relayDomain.add': {
        const domain = await store.put({
          name: name(command.name),
          mode: command.mode ?? 'hold',
          deliverTo: command.deliverTo ?? null,
          etrnNetworks: strings(command.etrnNetworks, 'etrnNetworks'),
          etrnOwner: command.etrnOwner ?? null,
          recipients: strings(command.recipients, 'recipients'),
        });
        return relayDomainView(domain);
      }
      case 'relayDomain.remove': {
        const domain = name(command.name);
        if (!(await store.remove(domain))) throw new AdminError('not-found', `no relay domain ${domain}`);
        // Held mail stays until flushed (it is released to normal delivery then).
        return { removed: domain, held: await held.count({ reason: 'relay-domain', domain }) };
      }
      case 'relayDomain.list':
        return Promise.all(
          (await store.list()).map(async (d) => ({
            ...relayDomainView(d),
            held: await held.count({ reason: 'relay-domain', domain: d.name }),
          })),
        );
      case 'relayDomain.show': {
        const domain = await store.get(name(command.name));
        if (!domain) throw new AdminError('not-found', `no relay domain ${command.name}`);
        return {
          ...relayDomainView(domain),
          held: await held.count({ reason: 'relay-domain', domain: domain.name }),
        };
      }
      case 'queue.flush': {
        const domain = name(command.domain);
        const released = await held.release(ctx.spool, {
          reason: 'relay-domain',
          domain,
          includeSubdomains: command.includeSubdomains === true,
        });
        return { domain, released };
      }
    }
  } catch (error) {
    if (error instanceof RelayDomainError) throw new AdminError('invalid', error.message);
    throw error;
  }
}

/** The audit log's old value of a relay-domain change. */
export async function relayDomainValueBefore(
  ctx: { db: SqlDatabase },
  command: RelayDomainAdminCommand,
): Promise<Record<string, unknown> | null> {
  if (command.op !== 'relayDomain.add' && command.op !== 'relayDomain.remove') return null;
  const domain = await new RelayDomainStore(ctx.db).get(String(command.name));
  return domain ? relayDomainView(domain) : null;
}
