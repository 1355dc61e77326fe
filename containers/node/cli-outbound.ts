import { Option, type Command } from 'commander';
import type { AdminCommand } from '../../core/admin/admin-commands';

type RunAdmin = (command: AdminCommand, json: boolean, format?: (result: unknown) => string) => Promise<void>;

interface Hold {
  account: string;
  reason: string;
  since: string;
  messages: number;
}

const LIMIT_OPTIONS = [
  ['--messages-per-hour <n>', 'messagesPerHour'],
  ['--messages-per-day <n>', 'messagesPerDay'],
  ['--recipients-per-hour <n>', 'recipientsPerHour'],
  ['--recipients-per-day <n>', 'recipientsPerDay'],
] as const;

/** A limit value: a whole number, or "default" (null: back to the configured value). */
function limitValue(text: string): number | null {
  if (text === 'default') return null;
  if (!/^\d{1,9}$/.test(text)) throw new Error(`not a whole number: ${text}`);
  return Number(text);
}

function scopeOf(o: { user?: string; domain?: string; ip?: string }): {
  scope: 'user' | 'domain' | 'ip';
  key: string;
} {
  const given = (['user', 'domain', 'ip'] as const).filter((s) => o[s] !== undefined);
  if (given.length !== 1) throw new Error('give exactly one of --user, --domain, --ip');
  return { scope: given[0], key: o[given[0]]! };
}

/**
 * `nimbus user hold|release|holds` (held accounts) and `nimbus limits set|clear|list` (rate-limit
 * overrides per user, domain or client IP), docs/outbound.md. Registered after the `user` group.
 */
export function registerOutboundCommands(program: Command, admin: RunAdmin): void {
  const user =
    program.commands.find((c) => c.name() === 'user') ?? program.command('user').description('user accounts');
  user
    .command('hold <address>')
    .description('hold the account: its submitted mail is accepted but kept, not sent')
    .option('--reason <text>', 'why (shown in `nimbus user holds`)')
    .option('--json', 'machine-readable output')
    .action((address: string, o: { reason?: string; json?: boolean }) =>
      admin({ op: 'outbound.hold', address, reason: o.reason }, !!o.json, () => `${address} is held`),
    );
  user
    .command('release <address>')
    .description('release a held account; its held mail is sent (or deleted with --purge)')
    .option('--purge', 'delete the held mail instead of sending it')
    .option('--json', 'machine-readable output')
    .action((address: string, o: { purge?: boolean; json?: boolean }) =>
      admin({ op: 'outbound.release', address, purge: !!o.purge }, !!o.json, (r) => {
        const result = r as { released?: number; purged?: number };
        return o.purge
          ? `${address} released, ${result.purged ?? 0} held messages deleted`
          : `${address} released, ${result.released ?? 0} held messages sent on`;
      }),
    );
  user
    .command('holds')
    .description('held accounts')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) =>
      admin({ op: 'outbound.holds' }, !!o.json, (r) => {
        const holds = r as Hold[];
        if (holds.length === 0) return 'no held accounts';
        return holds.map((h) => `${h.account}\t${h.since}\t${h.messages} held\t${h.reason}`).join('\n');
      }),
    );

  const limits = program.command('limits').description('outbound rate limits per user, domain or client IP');
  const set = limits
    .command('set')
    .description('set limits of one user, domain or IP ("default" clears one)')
    .option('--user <address>')
    .option('--domain <domain>')
    .option('--ip <address>')
    .option('--json', 'machine-readable output');
  for (const [flag] of LIMIT_OPTIONS) set.addOption(new Option(flag).argParser(limitValue));
  set.action((o: Record<string, string | number | null | boolean | undefined>) => {
    const values: Record<string, number | null> = {};
    for (const [, field] of LIMIT_OPTIONS)
      if (o[field] !== undefined) values[field] = o[field] as number | null;
    const { scope, key } = scopeOf(o as { user?: string; domain?: string; ip?: string });
    return admin({ op: 'outbound.limits.set', scope, key, ...values }, !!o.json, (r) => JSON.stringify(r));
  });
  limits
    .command('clear')
    .description('remove the overrides of one user, domain or IP')
    .option('--user <address>')
    .option('--domain <domain>')
    .option('--ip <address>')
    .option('--json', 'machine-readable output')
    .action((o: { user?: string; domain?: string; ip?: string; json?: boolean }) =>
      admin({ op: 'outbound.limits.clear', ...scopeOf(o) }, !!o.json, () => 'limits cleared'),
    );
  limits
    .command('list')
    .description('the overrides (everything else comes from the configuration, outbound.limits.*)')
    .addOption(new Option('--scope <scope>').choices(['user', 'domain', 'ip']))
    .option('--json', 'machine-readable output')
    .action((o: { scope?: 'user' | 'domain' | 'ip'; json?: boolean }) =>
      admin({ op: 'outbound.limits.list', scope: o.scope }, !!o.json, (r) => {
        const rows = r as { scope: string; key: string }[];
        if (rows.length === 0) return 'no overrides';
        return rows
          .map(({ scope, key, ...v }) =>
            [`${scope} ${key}`, ...Object.entries(v).map(([k, n]) => `${k}=${String(n)}`)].join('\t'),
          )
          .join('\n');
      }),
    );
}
