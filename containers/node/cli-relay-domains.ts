import { Option, type Command } from 'commander';
import type { AdminCommand } from '../../core/admin/admin-commands';
import type { JobState, QueueName } from '../../core/ports/spool';

type RunAdmin = (command: AdminCommand, json: boolean, format?: (result: unknown) => string) => Promise<void>;

interface RelayDomainView {
  name: string;
  mode: string;
  deliverTo: string | null;
  etrnNetworks: string[];
  etrnOwner: string | null;
  recipients: string[];
  held: number;
}

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

function show(d: RelayDomainView): string {
  return [
    `${d.name}\t${d.mode}\tdeliver to ${d.deliverTo ?? 'MX hosts'}\theld=${d.held}`,
    `  ETRN networks: ${d.etrnNetworks.join(', ') || '(none)'}; owner: ${d.etrnOwner ?? '(none)'}`,
    `  recipients: ${d.recipients.length === 0 ? 'all' : d.recipients.join(', ')}`,
  ].join('\n');
}

export interface QueueListOptions {
  queue?: QueueName;
  state?: JobState;
  domain?: string;
  account?: string;
  json?: boolean;
}

/** The `queue.list` command of `nimbus queue list` (with --state hold: --domain, --account). */
export function queueList(o: QueueListOptions): AdminCommand {
  return { op: 'queue.list', queue: o.queue, state: o.state, domain: o.domain, account: o.account };
}

/** `nimbus queue list --state hold`: the held messages (held_mail), one a line. */
export function formatHeld(result: unknown): string {
  const held = result as {
    id: string;
    reason: string;
    domain: string | null;
    account: string | null;
    heldAt: string;
    note: string | null;
    payload: { mailFrom: string; recipients: { address: string }[]; size: number };
  }[];
  if (held.length === 0) return 'no held messages';
  return held
    .map(
      (h) =>
        `${h.id}\thold\t${h.reason}:${h.domain ?? h.account ?? ''}\t${String(h.heldAt)}\t${h.payload.size}B\t` +
        `<${h.payload.mailFrom}> → ${h.payload.recipients.map((r) => r.address).join(', ')}` +
        `${h.note ? `\t${h.note}` : ''}`,
    )
    .join('\n');
}

/**
 * `nimbus relay-domain add|remove|list|show` (store-and-forward and backup-MX domains, docs/etrn.md)
 * and `nimbus queue flush DOMAIN` (release a relay domain's held mail, like ETRN).
 */
export function registerRelayDomainCommands(program: Command, admin: RunAdmin, queue: Command): void {
  const relay = program
    .command('relay-domain')
    .description('relay domains: store-and-forward (ETRN) and backup MX');
  relay
    .command('add <domain>')
    .description('accept mail for DOMAIN and hold it (--hold) or act as its backup MX (--backup)')
    .option('--hold', 'keep the mail until ETRN or `queue flush` (the default)')
    .option('--backup', 'backup MX: deliver to the primary, hold while it is unreachable')
    .option('--deliver-to <host:port>', 'deliver here instead of the MX hosts')
    .option('--etrn-network <cidr>', 'client networks allowed to send ETRN (repeatable, comma list)', list)
    .option('--etrn-owner <address>', 'account allowed to send ETRN after AUTH')
    .option('--recipient <address>', 'accepted recipients (repeatable; none: all)', list)
    .option('--json', 'machine-readable output')
    .action(
      (
        domain: string,
        o: {
          hold?: boolean;
          backup?: boolean;
          deliverTo?: string;
          etrnNetwork?: string[];
          etrnOwner?: string;
          recipient?: string[];
          json?: boolean;
        },
      ) => {
        if (o.hold && o.backup) throw new Error('--hold and --backup exclude each other');
        return admin(
          {
            op: 'relayDomain.add',
            name: domain,
            mode: o.backup ? 'backup' : 'hold',
            deliverTo: o.deliverTo ?? null,
            etrnNetworks: o.etrnNetwork ?? [],
            etrnOwner: o.etrnOwner ?? null,
            recipients: o.recipient ?? [],
          },
          !!o.json,
          (r) => show({ ...(r as RelayDomainView), held: 0 }).replace('\theld=0', ''),
        );
      },
    );
  relay
    .command('remove <domain>')
    .description('stop accepting mail for DOMAIN (its held mail stays until flushed)')
    .option('--json', 'machine-readable output')
    .action((domain: string, o: { json?: boolean }) =>
      admin({ op: 'relayDomain.remove', name: domain }, !!o.json, (r) => {
        const { held } = r as { held: number };
        return `relay domain ${domain} removed${held > 0 ? ` (${held} held messages: nimbus queue flush ${domain})` : ''}`;
      }),
    );
  relay
    .command('list')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) =>
      admin({ op: 'relayDomain.list' }, !!o.json, (r) => {
        const domains = r as RelayDomainView[];
        return domains.length === 0 ? 'no relay domains' : domains.map(show).join('\n');
      }),
    );
  relay
    .command('show <domain>')
    .option('--json', 'machine-readable output')
    .action((domain: string, o: { json?: boolean }) =>
      admin({ op: 'relayDomain.show', name: domain }, !!o.json, (r) => show(r as RelayDomainView)),
    );
  queue
    .command('flush <domain>')
    .description("release a relay domain's held mail to the relay (like ETRN)")
    .addOption(new Option('--subdomains', 'its subdomains too (ETRN @domain)'))
    .option('--json', 'machine-readable output')
    .action((domain: string, o: { subdomains?: boolean; json?: boolean }) =>
      admin(
        { op: 'queue.flush', domain, includeSubdomains: !!o.subdomains },
        !!o.json,
        (r) => `${(r as { released: number }).released} held messages of ${domain} released`,
      ),
    );
}
