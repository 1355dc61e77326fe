import type { Command } from 'commander';
import { AdminError } from '../../core/admin/admin-error';
import type { AdminCommand } from '../../core/admin/admin-commands';
import type { Forwarding } from '../../core/directory/account-forwarding';
import { formatSize } from '../../core/util/size';
import { passwordFrom, quota } from './cli-input';

type RunAdmin = (command: AdminCommand, json: boolean, format?: (result: unknown) => string) => Promise<void>;

/** `nimbus domain|user|alias|forward …`: who is hosted here and where their mail goes. */
export function registerDirectoryCommands(program: Command, admin: RunAdmin): void {
  const domain = program.command('domain').description('hosted domains');
  domain
    .command('add <name>')
    .description('host a domain')
    .action((name: string) => admin({ op: 'domain.add', name }, false, () => `domain ${name} added`));
  domain
    .command('list')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) =>
      admin({ op: 'domain.list' }, !!o.json, (r) =>
        (r as { name: string; accounts: number; aliases: number; catchAll: string | null }[])
          .map(
            (d) =>
              `${d.name}\t${d.accounts} accounts\t${d.aliases} aliases${d.catchAll ? `\tcatch-all → ${d.catchAll}` : ''}`,
          )
          .join('\n'),
      ),
    );
  domain
    .command('remove <name>')
    .option('--force', 'also remove its accounts and their mail')
    .action((name: string, o: { force?: boolean }) =>
      admin({ op: 'domain.remove', name, force: o.force }, false, () => `domain ${name} removed`),
    );
  domain
    .command('catchall <domain> [target]')
    .description('deliver mail for unknown users of DOMAIN to TARGET (--clear to turn off)')
    .option('--clear', 'remove the catch-all')
    .action((name: string, target: string | undefined, o: { clear?: boolean }) => {
      if (!target && !o.clear) throw new AdminError('invalid', 'give a target address or --clear');
      return admin({ op: 'domain.catchall', name, target: o.clear ? null : target! }, false, () =>
        o.clear ? `catch-all of ${name} cleared` : `catch-all of ${name} → ${target}`,
      );
    });

  const user = program.command('user').description('mail accounts');
  user
    .command('add <address>')
    .option('--password <password>', 'the password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--quota <size>', 'mailbox quota, e.g. 500M, 1G (default unlimited)')
    .action(async (address: string, o: { password?: string; passwordStdin?: boolean; quota?: string }) =>
      admin(
        { op: 'user.add', address, password: await passwordFrom(o), quotaBytes: quota(o.quota) },
        false,
        () => `user ${address} added`,
      ),
    );
  user
    .command('list [domain]')
    .option('--json', 'machine-readable output')
    .action((domainName: string | undefined, o: { json?: boolean }) =>
      admin({ op: 'user.list', domain: domainName }, !!o.json, (r) =>
        (r as { address: string; usedBytes: number; quotaBytes: number | null; disabled: boolean }[])
          .map(
            (a) =>
              `${a.address}\t${formatSize(a.usedBytes)} / ${formatSize(a.quotaBytes)}${a.disabled ? '\tdisabled' : ''}`,
          )
          .join('\n'),
      ),
    );
  user
    .command('show <address>')
    .option('--json', 'machine-readable output')
    .action((address: string, o: { json?: boolean }) => admin({ op: 'user.show', address }, !!o.json));
  user
    .command('passwd <address>')
    .option('--password <password>', 'the new password')
    .option('--password-stdin', 'read the new password from standard input')
    .action(async (address: string, o: { password?: string; passwordStdin?: boolean }) =>
      admin(
        { op: 'user.passwd', address, password: await passwordFrom(o) },
        false,
        () => `password of ${address} changed`,
      ),
    );
  user
    .command('quota <address> <size>')
    .description('set the quota (e.g. 1G, or "unlimited")')
    .action((address: string, size: string) =>
      admin(
        { op: 'user.quota', address, quotaBytes: quota(size) ?? null },
        false,
        () => `quota of ${address}: ${size}`,
      ),
    );
  user
    .command('remove <address>')
    .description('remove the account and all its mail')
    .action((address: string) =>
      admin({ op: 'user.remove', address }, false, () => `user ${address} removed`),
    );

  const alias = program.command('alias').description('aliases and forwards');
  alias
    .command('add <from> <to...>')
    .description('deliver mail for FROM to each TO (local accounts, or remote addresses: a forward)')
    .action((from: string, to: string[]) =>
      admin({ op: 'alias.add', source: from, targets: to }, false, () => `alias ${from} → ${to.join(', ')}`),
    );
  alias
    .command('list [domain]')
    .option('--json', 'machine-readable output')
    .action((domainName: string | undefined, o: { json?: boolean }) =>
      admin({ op: 'alias.list', domain: domainName }, !!o.json, (r) =>
        (r as { source: string; target: string }[]).map((a) => `${a.source}\t→ ${a.target}`).join('\n'),
      ),
    );
  alias
    .command('remove <from> [to]')
    .description('remove one target, or the whole alias')
    .action((from: string, to: string | undefined) =>
      admin(
        { op: 'alias.remove', source: from, target: to },
        false,
        () => `alias ${from}${to ? ` → ${to}` : ''} removed`,
      ),
    );

  const acl = program.command('acl').description("shared-mailbox grants (users' IMAP ACLs)");
  acl
    .command('list')
    .option('--domain <domain>', 'only grants on mailboxes of this domain')
    .option('--address <address>', 'only grants this account made or received')
    .option('--json', 'machine-readable output')
    .action((o: { domain?: string; address?: string; json?: boolean }) =>
      admin({ op: 'acl.list', domain: o.domain, address: o.address }, !!o.json, (r) =>
        (r as { id: number; owner: string; mailbox: string; identifier: string; rights: string }[])
          .map((g) => `${g.id}	${g.owner}	${g.mailbox}	${g.identifier}	${g.rights}`)
          .join('\n'),
      ),
    );
  acl
    .command('remove <id>')
    .description('remove one grant (ids from acl list)')
    .action((id: string) => {
      if (!/^\d+$/.test(id)) throw new AdminError('invalid', 'give a grant id from acl list');
      return admin({ op: 'acl.remove', id: Number(id) }, false, () => `grant ${id} removed`);
    });

  const forward = program
    .command('forward')
    .description("an account's forwarding (its mail also or instead goes elsewhere)");
  forward
    .command('set <address> <to...>')
    .description('forward mail of ADDRESS to each TO (local or remote); a copy stays unless --no-keep-copy')
    .option('--no-keep-copy', 'do not keep a copy in the mailbox')
    .action((address: string, to: string[], o: { keepCopy: boolean }) =>
      admin(
        { op: 'forward.set', address, targets: to, keepCopy: o.keepCopy },
        false,
        () => `${address} forwards to ${to.join(', ')}${o.keepCopy ? ' (keeping a copy)' : ''}`,
      ),
    );
  forward
    .command('off <address>')
    .description('stop forwarding')
    .action((address: string) =>
      admin(
        { op: 'forward.set', address, targets: [], keepCopy: true },
        false,
        () => `${address} forwards nowhere`,
      ),
    );
  forward
    .command('show <address>')
    .option('--json', 'machine-readable output')
    .action((address: string, o: { json?: boolean }) => admin({ op: 'forward.show', address }, !!o.json));
  forward
    .command('list [domain]')
    .option('--json', 'machine-readable output')
    .action((domainName: string | undefined, o: { json?: boolean }) =>
      admin({ op: 'forward.list', domain: domainName }, !!o.json, (r) =>
        (r as Forwarding[])
          .map((f) => `${f.address}\t→ ${f.targets.join(', ')}${f.keepCopy ? '\t(keeps a copy)' : ''}`)
          .join('\n'),
      ),
    );
}
