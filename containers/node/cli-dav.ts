import type { Command } from 'commander';
import type { AdminCommand } from '../../core/admin/admin-commands';

type RunAdmin = (command: AdminCommand, json: boolean, format?: (result: unknown) => string) => Promise<void>;

/**
 * `nimbus dav share|unshare|shares`: calendar and address book sharing within a domain
 * (docs/dav.md). COLLECTION is calendars/NAME or addressbooks/NAME (a bare NAME is a calendar).
 */
export function registerDavCommands(program: Command, admin: RunAdmin): void {
  const dav = program.command('dav').description('calendars and address books (CalDAV/CardDAV)');
  dav
    .command('share <address> <collection>')
    .description("give another account of ADDRESS's domain access to COLLECTION")
    .requiredOption('--with <address>', 'the account that gets access')
    .option('--access <access>', 'read or read-write', 'read')
    .action((address: string, collection: string, o: { with: string; access: string }) =>
      admin(
        { op: 'dav.share', address, collection, with: o.with, access: o.access as 'read' | 'read-write' },
        false,
        () => `${o.with} has ${o.access} access to ${address}'s ${collection}`,
      ),
    );
  dav
    .command('unshare <address> <collection>')
    .description('remove a grant')
    .requiredOption('--with <address>', 'the account whose access ends')
    .action((address: string, collection: string, o: { with: string }) =>
      admin(
        { op: 'dav.unshare', address, collection, with: o.with },
        false,
        () => `${o.with} no longer has access`,
      ),
    );
  dav
    .command('shares <address>')
    .description('grants on the collections of ADDRESS and those it received')
    .option('--json', 'machine-readable output')
    .action((address: string, o: { json?: boolean }) =>
      admin({ op: 'dav.shares', address }, !!o.json, (r) => {
        const grants = r as {
          owner: string;
          home: string;
          collection: string;
          grantee: string;
          access: string;
        }[];
        if (grants.length === 0) return 'no shares';
        return grants
          .map((g) => `${g.owner}\t${g.home}/${g.collection}\t${g.grantee}\t${g.access}`)
          .join('\n');
      }),
    );
}
