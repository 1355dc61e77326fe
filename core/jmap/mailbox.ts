/** RFC 8621 §2: Mailbox/get, /changes, /query, /set over the IMAP mailbox table. */
import { MailboxAdmin, normaliseRow } from '../store/mailbox-admin';
import type { MailboxRow } from '../store/mailbox-store';
import { MessageMover } from '../store/copy-move';
import type { JmapAccount, JmapDeps } from './context';
import { JmapMethodError, setError, type SetError } from './errors';
import { mailboxIdOf, parseMailboxId } from './ids';
import { accountState, currentVersions, decodeState, encodeState } from './state';
import { checkAccount, idList, propertyList, type Args, checkIfInState } from './util';

const PROPERTIES = [
  'id',
  'name',
  'parentId',
  'role',
  'sortOrder',
  'totalEmails',
  'unreadEmails',
  'totalThreads',
  'unreadThreads',
  'myRights',
  'isSubscribed',
] as const;

const ROLES: Record<string, string> = {
  '\\all': 'all',
  '\\archive': 'archive',
  '\\drafts': 'drafts',
  '\\flagged': 'flagged',
  '\\junk': 'junk',
  '\\sent': 'sent',
  '\\trash': 'trash',
};
const ROLE_ORDER = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'];

export function roleOf(row: MailboxRow): string | null {
  if (row.name === 'INBOX') return 'inbox';
  const use = (row.special_use ?? '').split(' ')[0]?.toLowerCase();
  return use ? (ROLES[use] ?? null) : null;
}

const RIGHTS = {
  mayReadItems: true,
  mayAddItems: true,
  mayRemoveItems: true,
  maySetSeen: true,
  maySetKeywords: true,
  mayCreateChild: true,
  mayRename: true,
  mayDelete: true,
  maySubmit: true,
};

export function toJmapMailbox(row: MailboxRow, byName: Map<string, MailboxRow>): Record<string, unknown> {
  const slash = row.name.lastIndexOf('/');
  const parent = slash > 0 ? byName.get(row.name.slice(0, slash)) : undefined;
  const role = roleOf(row);
  const order = role ? ROLE_ORDER.indexOf(role) : -1;
  return {
    id: mailboxIdOf(row.id),
    name: slash > 0 ? row.name.slice(slash + 1) : row.name === 'INBOX' ? 'Inbox' : row.name,
    parentId: parent ? mailboxIdOf(parent.id) : null,
    role,
    sortOrder: order >= 0 ? order + 1 : 10,
    totalEmails: row.message_count,
    unreadEmails: row.unseen_count,
    totalThreads: row.message_count,
    unreadThreads: row.unseen_count,
    myRights: { ...RIGHTS, mayRename: row.name !== 'INBOX', mayDelete: row.name !== 'INBOX' },
    isSubscribed: row.subscribed,
  };
}

async function rows(deps: JmapDeps, account: JmapAccount): Promise<MailboxRow[]> {
  return new MailboxAdmin(deps.db, deps.events).list(account.id);
}

export async function mailboxGet(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const ids = idList(args.ids, 'ids');
  const properties = propertyList(args.properties, PROPERTIES, PROPERTIES);
  const all = await rows(deps, account);
  const state = encodeState(all.map((r) => ({ id: r.id, modseq: r.highestmodseq, uidnext: r.uidnext })));
  const byName = new Map(all.map((r) => [r.name, r]));
  const byId = new Map(all.map((r) => [mailboxIdOf(r.id), r]));
  const list: Record<string, unknown>[] = [];
  const notFound: string[] = [];
  for (const id of ids ?? [...byId.keys()]) {
    const row = byId.get(id);
    if (!row) {
      notFound.push(id);
      continue;
    }
    const full = toJmapMailbox(row, byName);
    list.push(Object.fromEntries(['id', ...properties].map((p) => [p, full[p]])));
  }
  return { accountId: args.accountId, state, list, notFound };
}

export async function mailboxChanges(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const since = decodeState(args.sinceState);
  if (!since) throw new JmapMethodError('cannotCalculateChanges', 'unknown state');
  const now = await currentVersions(deps.db, account.id);
  const created: string[] = [];
  const updated: string[] = [];
  for (const v of now) {
    const old = since.get(v.id);
    if (!old) created.push(mailboxIdOf(v.id));
    else if (old.modseq !== v.modseq) updated.push(mailboxIdOf(v.id));
  }
  const current = new Set(now.map((v) => v.id));
  const destroyed = [...since.keys()].filter((id) => !current.has(id)).map(mailboxIdOf);
  return {
    accountId: args.accountId,
    oldState: args.sinceState,
    newState: encodeState(now),
    hasMoreChanges: false,
    created,
    updated,
    destroyed,
    updatedProperties: null,
  };
}

export async function mailboxQuery(deps: JmapDeps, account: JmapAccount, args: Args) {
  checkAccount(args, account);
  const all = await rows(deps, account);
  const byName = new Map(all.map((r) => [r.name, r]));
  let list = all.map((r) => toJmapMailbox(r, byName));
  const filter = (args.filter ?? {}) as Record<string, unknown>;
  if ('parentId' in filter) list = list.filter((m) => m.parentId === filter.parentId);
  if ('role' in filter) list = list.filter((m) => m.role === filter.role);
  if ('hasAnyRole' in filter) list = list.filter((m) => (m.role !== null) === filter.hasAnyRole);
  if ('isSubscribed' in filter) list = list.filter((m) => m.isSubscribed === filter.isSubscribed);
  if (typeof filter.name === 'string') {
    const needle = filter.name.toLowerCase();
    list = list.filter((m) => String(m.name).toLowerCase().includes(needle));
  }
  const sort = (args.sort as { property: string; isAscending?: boolean }[] | undefined) ?? [];
  for (const s of [...sort].reverse()) {
    if (!['name', 'sortOrder'].includes(s.property)) throw new JmapMethodError('unsupportedSort', s.property);
    const dir = s.isAscending === false ? -1 : 1;
    list.sort((a, b) => (a[s.property]! < b[s.property]! ? -dir : a[s.property]! > b[s.property]! ? dir : 0));
  }
  const ids = list.map((m) => m.id as string);
  const position = Number(args.position ?? 0);
  const limit = args.limit === undefined || args.limit === null ? ids.length : Number(args.limit);
  return {
    accountId: args.accountId,
    queryState: await accountState(deps.db, account.id),
    canCalculateChanges: false,
    position,
    ids: ids.slice(position, position + limit),
    total: ids.length,
  };
}

function fullName(parent: MailboxRow | undefined, name: string): string {
  return parent ? `${parent.name}/${name}` : name;
}

const SPECIAL_USE: Record<string, string> = Object.fromEntries(Object.entries(ROLES).map(([k, v]) => [v, k]));
const canonicalUse = (role: string) =>
  ({
    all: '\\All',
    archive: '\\Archive',
    drafts: '\\Drafts',
    flagged: '\\Flagged',
    junk: '\\Junk',
    sent: '\\Sent',
    trash: '\\Trash',
  })[role] ?? SPECIAL_USE[role];

export async function mailboxSet(
  deps: JmapDeps,
  account: JmapAccount,
  args: Args,
  createdIds: Map<string, string>,
) {
  checkAccount(args, account);
  const oldState = await accountState(deps.db, account.id);
  checkIfInState(args, oldState);
  const admin = new MailboxAdmin(deps.db, deps.events);
  const created: Record<string, unknown> = {};
  const notCreated: Record<string, SetError> = {};
  const updated: Record<string, null> = {};
  const notUpdated: Record<string, SetError> = {};
  const destroyed: string[] = [];
  const notDestroyed: Record<string, SetError> = {};
  const load = async () => {
    const all = await admin.list(account.id);
    return { all, byId: new Map(all.map((r) => [r.id, r])), byName: new Map(all.map((r) => [r.name, r])) };
  };
  const resolveId = (id: unknown): number | null => {
    if (typeof id === 'string' && id.startsWith('#')) return parseMailboxId(createdIds.get(id.slice(1)));
    return parseMailboxId(id);
  };

  for (const [cid, raw] of Object.entries((args.create ?? {}) as Record<string, Record<string, unknown>>)) {
    const { byId } = await load();
    const name = raw.name;
    if (typeof name !== 'string' || name.length === 0 || name.includes('/')) {
      notCreated[cid] = setError('invalidProperties', 'name must be a non-empty string without "/"', [
        'name',
      ]);
      continue;
    }
    let parent: MailboxRow | undefined;
    if (raw.parentId !== undefined && raw.parentId !== null) {
      parent = byId.get(resolveId(raw.parentId) ?? -1);
      if (!parent) {
        notCreated[cid] = setError('invalidProperties', 'no such parent', ['parentId']);
        continue;
      }
    }
    const use = typeof raw.role === 'string' ? canonicalUse(raw.role) : undefined;
    if (raw.role !== undefined && raw.role !== null && !use) {
      notCreated[cid] = setError('invalidProperties', 'unknown role', ['role']);
      continue;
    }
    const result = await admin.create(account.id, fullName(parent, name), use ? [use] : []);
    if (!result.ok) {
      notCreated[cid] = setError(
        result.reason === 'exists' ? 'alreadyExists' : 'invalidProperties',
        result.reason,
        ['name'],
      );
      continue;
    }
    const row = (await load()).byName.get(fullName(parent, name))!;
    if (raw.isSubscribed === false) await admin.unsubscribe(account.id, row.name);
    createdIds.set(cid, mailboxIdOf(row.id));
    created[cid] = {
      id: mailboxIdOf(row.id),
      totalEmails: 0,
      unreadEmails: 0,
      totalThreads: 0,
      unreadThreads: 0,
      myRights: RIGHTS,
      sortOrder: 10,
    };
  }

  for (const [id, patch] of Object.entries((args.update ?? {}) as Record<string, Record<string, unknown>>)) {
    const { byId } = await load();
    const row = byId.get(resolveId(id) ?? -1);
    if (!row) {
      notUpdated[id] = setError('notFound');
      continue;
    }
    const unknown = Object.keys(patch).filter(
      (k) => !['name', 'parentId', 'isSubscribed', 'sortOrder'].includes(k),
    );
    if (unknown.length > 0) {
      notUpdated[id] = setError('invalidProperties', 'read-only or unsupported properties', unknown);
      continue;
    }
    const slash = row.name.lastIndexOf('/');
    let parentName = slash > 0 ? row.name.slice(0, slash) : null;
    let leaf = slash > 0 ? row.name.slice(slash + 1) : row.name;
    if ('parentId' in patch) {
      if (patch.parentId === null) parentName = null;
      else {
        const parent = byId.get(resolveId(patch.parentId) ?? -1);
        if (!parent) {
          notUpdated[id] = setError('invalidProperties', 'no such parent', ['parentId']);
          continue;
        }
        parentName = parent.name;
      }
    }
    if ('name' in patch) {
      if (typeof patch.name !== 'string' || patch.name.length === 0 || patch.name.includes('/')) {
        notUpdated[id] = setError('invalidProperties', 'bad name', ['name']);
        continue;
      }
      leaf = patch.name;
    }
    const target = parentName ? `${parentName}/${leaf}` : leaf;
    if (target !== row.name) {
      const result = await admin.rename(account.id, row.name, target);
      if (!result.ok) {
        notUpdated[id] = setError(
          result.reason === 'exists' ? 'alreadyExists' : 'invalidProperties',
          result.reason,
        );
        continue;
      }
    }
    if (typeof patch.isSubscribed === 'boolean') {
      if (patch.isSubscribed) await admin.subscribe(account.id, target);
      else await admin.unsubscribe(account.id, target);
    }
    updated[id] = null;
  }

  for (const id of idList(args.destroy, 'destroy') ?? []) {
    const { byId, all } = await load();
    const row = byId.get(resolveId(id) ?? -1);
    if (!row) {
      notDestroyed[id] = setError('notFound');
      continue;
    }
    if (all.some((r) => r.name.startsWith(row.name + '/'))) {
      notDestroyed[id] = setError('mailboxHasChild');
      continue;
    }
    if (row.message_count > 0 && !args.onDestroyRemoveEmails) {
      notDestroyed[id] = setError('mailboxHasEmail');
      continue;
    }
    if (row.name === 'INBOX') {
      notDestroyed[id] = setError('forbidden', 'INBOX cannot be destroyed');
      continue;
    }
    if (row.message_count > 0) {
      const mover = new MessageMover(deps.db, deps.events);
      const uids = await deps.db.query<{ uid: string }>(`SELECT uid FROM messages WHERE mailbox_id = $1`, [
        row.id,
      ]);
      await mover.expunge(
        account.id,
        row.id,
        uids.rows.map((r) => Number(r.uid)),
      );
    }
    const result = await admin.delete(account.id, row.name);
    if (result.ok) destroyed.push(id);
    else notDestroyed[id] = setError('forbidden', result.reason);
  }

  return {
    accountId: args.accountId,
    oldState,
    newState: await accountState(deps.db, account.id),
    created,
    notCreated,
    updated,
    notUpdated,
    destroyed,
    notDestroyed,
  };
}

export { normaliseRow };
