import type { Command } from 'commander';
import type { AdminCommand } from '../../core/admin/admin-commands';
import type { ListMember, MailingList } from '../../core/lists/types';

type RunAdmin = (command: AdminCommand, json: boolean, format?: (result: unknown) => string) => Promise<void>;

interface HeldSummary {
  id: string;
  sender: string;
  subject: string;
  reason: string;
  heldAt: string;
  decision: string | null;
}

type ListShow = MailingList & {
  owners: string[];
  moderators: string[];
  allow: string[];
  members: number;
  held: number;
};

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value.split(',').map((v) => v.trim()),
];

/** The settings options shared by `list add` and `list set`, as the API's field names. */
function settingsOf(o: Record<string, unknown>): Record<string, unknown> {
  const keys = [
    'name',
    'description',
    'subjectPrefix',
    'footer',
    'dmarcMitigation',
    'archiveVisibility',
    'digestSchedule',
    'replyTo',
    'memberPolicy',
    'moderatedPolicy',
    'nonMemberPolicy',
  ];
  const out: Record<string, unknown> = {};
  for (const key of keys) if (o[key] !== undefined) out[key] = o[key];
  if (o.maxPostBytes !== undefined) out.maxPostBytes = Number(o.maxPostBytes);
  return out;
}

function withSettings(command: Command): Command {
  return command
    .option('--name <text>', 'display name')
    .option('--description <text>', 'description')
    .option('--subject-prefix <text>', 'prefix of subjects, e.g. "[dev]"')
    .option('--footer <text>', 'text appended to every post')
    .option('--dmarc-mitigation <mode>', 'munge-from | wrap | none')
    .option('--archive-visibility <who>', 'members | public | none')
    .option('--digest-schedule <when>', 'daily | weekly | monthly | none')
    .option('--reply-to <policy>', 'author | list')
    .option('--member-policy <action>', 'accept | hold | reject | discard (members)')
    .option('--moderated-policy <action>', 'accept | hold | reject | discard (moderated members)')
    .option('--non-member-policy <action>', 'accept | hold | reject | discard (everyone else)')
    .option('--max-post-bytes <n>', 'largest post accepted')
    .option('--owner <address>', 'an owner (repeat or comma-separate)', collect)
    .option('--moderator <address>', 'a moderator (repeat or comma-separate)', collect);
}

function showText(l: ListShow): string {
  return [
    `${l.address}\t${l.name}`,
    l.description && `description\t${l.description}`,
    `owners\t${l.owners.join(', ') || '-'}`,
    `moderators\t${l.moderators.join(', ') || '-'}`,
    `policy\tmembers ${l.policy.members}, moderated ${l.policy.moderated}, non-members ${l.policy.nonMembers}`,
    `allow\t${l.allow.join(', ') || '-'}`,
    `dmarc\t${l.dmarcMitigation}`,
    `archive\t${l.archiveVisibility}`,
    `digest\t${l.digestSchedule ?? 'none'}`,
    `members\t${l.members}`,
    `held\t${l.held}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** `nimbus list …`: mailing lists, their members and held posts (docs/lists.md). */
export function registerListCommands(program: Command, admin: RunAdmin): void {
  const list = program.command('list').description('mailing lists');
  withSettings(list.command('add <address>').description('create a list')).action(
    (address: string, o: Record<string, unknown> & { owner?: string[]; moderator?: string[] }) =>
      admin(
        { op: 'list.add', address, settings: settingsOf(o), owners: o.owner, moderators: o.moderator },
        false,
        () => `list ${address} created`,
      ),
  );
  withSettings(list.command('set <address>').description("change a list's settings"))
    .option(
      '--allow <pattern>',
      'allow-list entry, address or *@domain (repeat; replaces the allow list)',
      collect,
    )
    .action(
      (
        address: string,
        o: Record<string, unknown> & { owner?: string[]; moderator?: string[]; allow?: string[] },
      ) =>
        admin(
          {
            op: 'list.set',
            address,
            settings: settingsOf(o),
            owners: o.owner,
            moderators: o.moderator,
            allow: o.allow,
          },
          false,
          () => `list ${address} changed`,
        ),
    );
  list
    .command('remove <address>')
    .description('remove a list with its members and held posts')
    .action((address: string) =>
      admin({ op: 'list.remove', address }, false, () => `list ${address} removed`),
    );
  list
    .command('ls [domain]')
    .description('the lists (of one domain)')
    .option('--json', 'machine-readable output')
    .action((domain: string | undefined, o: { json?: boolean }) =>
      admin({ op: 'list.list', domain }, !!o.json, (r) => {
        const lists = r as MailingList[];
        return lists.length ? lists.map((l) => `${l.address}\t${l.name}`).join('\n') : 'no lists';
      }),
    );
  list
    .command('show <address>')
    .description('a list and its settings')
    .option('--json', 'machine-readable output')
    .action((address: string, o: { json?: boolean }) =>
      admin({ op: 'list.show', address }, !!o.json, (r) => showText(r as ListShow)),
    );
  list
    .command('members <address>')
    .description('the members, a page at a time')
    .option('--cursor <id>', 'the `next` of the previous page')
    .option('--limit <n>', 'members per page (default 1000)')
    .option('--json', 'machine-readable output')
    .action((address: string, o: { json?: boolean; cursor?: string; limit?: string }) =>
      admin(
        { op: 'list.members', address, cursor: o.cursor, limit: o.limit ? Number(o.limit) : undefined },
        !!o.json,
        (r) => {
          const page = r as { members: ListMember[]; next: string | null };
          const lines = page.members.map(
            (m) =>
              `${m.address}\t${m.deliveryMode}${m.moderated ? '\tmoderated' : ''}${m.disabledReason ? `\tdisabled (${m.disabledReason})` : ''}`,
          );
          if (page.next) lines.push(`(more: --cursor ${page.next})`);
          return lines.length ? lines.join('\n') : 'no members';
        },
      ),
    );
  list
    .command('subscribe <address> <member>')
    .description('add a member directly (no confirmation)')
    .option('--name <text>', "the member's display name")
    .option('--digest', 'digest delivery')
    .option('--nomail', 'no delivery')
    .option('--moderated', 'hold their posts for a moderator')
    .action(
      (
        address: string,
        member: string,
        o: { name?: string; digest?: boolean; nomail?: boolean; moderated?: boolean },
      ) =>
        admin(
          {
            op: 'list.subscribe',
            address,
            member,
            displayName: o.name ?? null,
            deliveryMode: o.nomail ? 'nomail' : o.digest ? 'digest' : undefined,
            moderated: o.moderated,
          },
          false,
          () => `${member} subscribed to ${address}`,
        ),
    );
  list
    .command('unsubscribe <address> <member>')
    .description('remove a member')
    .action((address: string, member: string) =>
      admin(
        { op: 'list.unsubscribe', address, member },
        false,
        () => `${member} unsubscribed from ${address}`,
      ),
    );
  list
    .command('held <address>')
    .description('posts held for moderation')
    .option('--json', 'machine-readable output')
    .action((address: string, o: { json?: boolean }) =>
      admin({ op: 'list.held', address }, !!o.json, (r) => {
        const held = r as HeldSummary[];
        if (held.length === 0) return 'no held posts';
        return held
          .map((h) => `${h.id}\t${h.heldAt}\t${h.sender}\t${h.subject}\t${h.decision ?? h.reason}`)
          .join('\n');
      }),
    );
  for (const action of ['approve', 'reject', 'discard', 'defer'] as const) {
    const c = list.command(`${action} <address> <id>`).description(`${action} a held post`);
    if (action === 'reject') c.option('--reason <text>', 'told to the author');
    c.option('--json', 'machine-readable output').action(
      (address: string, id: string, o: { reason?: string; json?: boolean }) =>
        admin({ op: `list.${action}`, address, id, reason: o.reason }, !!o.json, () =>
          action === 'defer' ? `post ${id} stays held` : `post ${id}: ${action} recorded`,
        ),
    );
  }
}
