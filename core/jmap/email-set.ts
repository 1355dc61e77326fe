/** Email/set and Email/import (RFC 8621 §4.6, §4.8): drafts composed with nodemailer's MailComposer. */
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { storeFlags } from '../store/flags';
import { ImapAppender } from '../store/imap-append';
import { MailboxStore } from '../store/mailbox-store';
import { MessageMover, OverQuotaError } from '../store/copy-move';
import type { JmapAccount, JmapDeps } from './context';
import { readBlob } from './blobs';
import { setError, type SetError } from './errors';
import { blobIdOf, emailIdOf, parseEmailId, parseMailboxId, threadIdOf } from './ids';
import { loadMessages } from './messages';
import { accountState } from './state';
import { threadIdsOf } from './threads';
import {
  checkAccount,
  flagsToKeywords,
  idList,
  keywordToFlag,
  validKeyword,
  type Args,
  checkIfInState,
} from './util';

type Obj = Record<string, unknown>;
interface Addr {
  name?: string | null;
  email: string;
}

const fmt = (list: unknown): Mail.Address[] | undefined =>
  Array.isArray(list) ? (list as Addr[]).map((a) => ({ name: a.name ?? '', address: a.email })) : undefined;

/** Builds RFC 5322 bytes from a JMAP Email create object. */
export async function composeMessage(deps: JmapDeps, account: JmapAccount, email: Obj): Promise<Buffer> {
  if (email.bodyStructure)
    throw new SetErrorThrow(
      setError('invalidProperties', 'bodyStructure is not supported; use textBody/htmlBody/attachments', [
        'bodyStructure',
      ]),
    );
  const values = (email.bodyValues ?? {}) as Record<string, { value: string }>;
  const bodyText = (key: 'textBody' | 'htmlBody'): string | undefined => {
    const parts = email[key] as { partId: string; type?: string }[] | undefined;
    if (!parts || parts.length === 0) return undefined;
    const v = values[parts[0].partId];
    if (!v) throw new SetErrorThrow(setError('invalidProperties', `no bodyValue for ${key}`, [key]));
    return v.value;
  };
  const attachments: Mail.Attachment[] = [];
  for (const a of (email.attachments ?? []) as Obj[]) {
    const blob = await readBlob(deps, account, String(a.blobId));
    if (!blob)
      throw new SetErrorThrow(setError('blobNotFound', undefined, ['attachments']), { notFound: [a.blobId] });
    attachments.push({
      filename: (a.name as string) ?? blob.name ?? undefined,
      content: blob.data,
      contentType: (a.type as string) ?? blob.type,
      cid: (a.cid as string) ?? undefined,
      contentDisposition: a.disposition === 'inline' ? 'inline' : 'attachment',
    });
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(email)) {
    if (k.startsWith('header:') && typeof v === 'string') headers[k.split(':')[1]] = v.trim();
  }
  const ids = (v: unknown) =>
    Array.isArray(v) ? (v as string[]).map((id) => `<${id}>`).join(' ') : undefined;
  const composer = new MailComposer({
    from: fmt(email.from)?.[0],
    sender: fmt(email.sender)?.[0],
    to: fmt(email.to),
    cc: fmt(email.cc),
    bcc: fmt(email.bcc),
    replyTo: fmt(email.replyTo)?.[0],
    subject: typeof email.subject === 'string' ? email.subject : undefined,
    date: typeof email.sentAt === 'string' ? new Date(email.sentAt) : new Date(),
    messageId: Array.isArray(email.messageId) ? `<${email.messageId[0]}>` : undefined,
    inReplyTo: ids(email.inReplyTo),
    references: ids(email.references),
    text: bodyText('textBody'),
    html: bodyText('htmlBody'),
    attachments,
    headers,
  });
  const node = composer.compile();
  node.keepBcc = true;
  return node.build();
}

export class SetErrorThrow extends Error {
  constructor(
    readonly error: SetError,
    readonly extra: Obj = {},
  ) {
    super(error.type);
  }
}

async function appendTo(
  deps: JmapDeps,
  account: JmapAccount,
  mailboxId: number,
  data: Buffer,
  flags: string[],
  internalDate?: Date,
): Promise<number> {
  const appender = new ImapAppender(
    deps.db,
    deps.blobs,
    new MailboxStore(deps.db, deps.blobs, deps.events),
    deps.events,
  );
  const { uids } = await appender.append(account.id, mailboxId, [{ data, flags, internalDate }]);
  const row = await deps.db.query<{ id: string }>(
    `SELECT id FROM messages WHERE mailbox_id = $1 AND uid = $2`,
    [mailboxId, uids[0]],
  );
  return Number(row.rows[0].id);
}

async function ownMailboxes(deps: JmapDeps, account: JmapAccount): Promise<Set<number>> {
  const rows = await deps.db.query<{ id: string }>(`SELECT id FROM mailboxes WHERE account_id = $1`, [
    account.id,
  ]);
  return new Set(rows.rows.map((r) => Number(r.id)));
}

function targetMailbox(value: unknown, own: Set<number>, createdIds: Map<string, string>): number | SetError {
  if (!value || typeof value !== 'object')
    return setError('invalidProperties', 'mailboxIds required', ['mailboxIds']);
  const ids = Object.entries(value as Obj)
    .filter(([, v]) => v === true)
    .map(([k]) => k);
  if (ids.length !== 1)
    return setError('invalidProperties', 'an email is in exactly one mailbox here', ['mailboxIds']);
  const raw = ids[0].startsWith('#') ? createdIds.get(ids[0].slice(1)) : ids[0];
  const id = parseMailboxId(raw);
  if (id === null || !own.has(id)) return setError('invalidProperties', 'no such mailbox', ['mailboxIds']);
  return id;
}

function keywordFlags(value: unknown): string[] | SetError {
  if (!value || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as Obj)) {
    if (v !== true || !validKeyword(k))
      return setError('invalidProperties', `bad keyword ${k}`, ['keywords']);
    out.push(keywordToFlag(k));
  }
  return out;
}

export async function emailSet(
  deps: JmapDeps,
  account: JmapAccount,
  args: Args,
  createdIds: Map<string, string>,
) {
  checkAccount(args, account);
  const oldState = await accountState(deps.db, account.id);
  checkIfInState(args, oldState);
  const own = await ownMailboxes(deps, account);
  const created: Record<string, unknown> = {};
  const notCreated: Record<string, SetError> = {};
  const updated: Record<string, null> = {};
  const notUpdated: Record<string, SetError> = {};
  const destroyed: string[] = [];
  const notDestroyed: Record<string, SetError> = {};

  for (const [cid, email] of Object.entries((args.create ?? {}) as Record<string, Obj>)) {
    try {
      const mailbox = targetMailbox(email.mailboxIds, own, createdIds);
      if (typeof mailbox !== 'number') throw new SetErrorThrow(mailbox);
      const flags = keywordFlags(email.keywords);
      if (!Array.isArray(flags)) throw new SetErrorThrow(flags);
      const data = await composeMessage(deps, account, email);
      const receivedAt = typeof email.receivedAt === 'string' ? new Date(email.receivedAt) : undefined;
      const id = await appendTo(deps, account, mailbox, data, flags, receivedAt);
      const thread = (await threadIdsOf(deps, account, [id])).get(id) ?? id;
      createdIds.set(cid, emailIdOf(id));
      created[cid] = {
        id: emailIdOf(id),
        blobId: blobIdOf({ kind: 'message', messageId: id, part: null }),
        threadId: threadIdOf(thread),
        size: data.length,
      };
    } catch (error) {
      if (error instanceof SetErrorThrow) notCreated[cid] = { ...error.error, ...error.extra };
      else if (error instanceof OverQuotaError) notCreated[cid] = setError('overQuota');
      else throw error;
    }
  }

  const resolve = (id: string) => parseEmailId(id.startsWith('#') ? createdIds.get(id.slice(1)) : id);
  const updates = Object.entries((args.update ?? {}) as Record<string, Obj>);
  const messages = await loadMessages(
    deps,
    account,
    updates.map(([id]) => resolve(id)).filter((n): n is number => n !== null),
  );
  for (const [id, patch] of updates) {
    const n = resolve(id);
    const m = n === null ? undefined : messages.get(n);
    if (!m) {
      notUpdated[id] = setError('notFound');
      continue;
    }
    let keywords: Record<string, boolean> = { ...flagsToKeywords(m.flags) };
    let mailboxes: Record<string, boolean> = { [`M${m.mailboxId.toString(36)}`]: true };
    let bad: SetError | null = null;
    for (const [path, value] of Object.entries(patch)) {
      if (path === 'keywords') keywords = (value ?? {}) as Record<string, boolean>;
      else if (path === 'mailboxIds') mailboxes = (value ?? {}) as Record<string, boolean>;
      else if (path.startsWith('keywords/')) {
        const k = path.slice(9).toLowerCase();
        if (value === true) keywords[k] = true;
        else delete keywords[k];
      } else if (path.startsWith('mailboxIds/')) {
        const k = path.slice(11);
        const key = k.startsWith('#') ? (createdIds.get(k.slice(1)) ?? k) : k;
        if (value === true) mailboxes[key] = true;
        else delete mailboxes[key];
      } else bad = setError('invalidProperties', `cannot change ${path}`, [path]);
    }
    if (bad) {
      notUpdated[id] = bad;
      continue;
    }
    const target = targetMailbox(mailboxes, own, createdIds);
    if (typeof target !== 'number') {
      notUpdated[id] = target;
      continue;
    }
    const flags = keywordFlags(Object.fromEntries(Object.entries(keywords).map(([k]) => [k, true])));
    if (!Array.isArray(flags)) {
      notUpdated[id] = flags;
      continue;
    }
    const keep = m.flags.filter((f) => f === '\\Recent');
    await storeFlags(deps.db, deps.events, {
      accountId: account.id,
      mailboxId: m.mailboxId,
      uids: [m.uid],
      op: 'replace',
      flags: [...keep, ...flags],
    });
    // The row moves (it keeps its JMAP id); IMAP sees an expunge and a new UID.
    if (target !== m.mailboxId) {
      await new MessageMover(deps.db, deps.events).move(
        { sourceOwnerId: account.id, sourceId: m.mailboxId, targetOwnerId: account.id, targetId: target },
        [m.uid],
      );
    }
    updated[id] = null;
  }

  const toDestroy = idList(args.destroy, 'destroy') ?? [];
  const doomed = await loadMessages(
    deps,
    account,
    toDestroy.map(resolve).filter((n): n is number => n !== null),
  );
  const mover = new MessageMover(deps.db, deps.events);
  for (const id of toDestroy) {
    const n = resolve(id);
    const m = n === null ? undefined : doomed.get(n);
    if (!m) {
      notDestroyed[id] = setError('notFound');
      continue;
    }
    await mover.expunge(account.id, m.mailboxId, [m.uid]);
    destroyed.push(id);
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

export async function emailImport(
  deps: JmapDeps,
  account: JmapAccount,
  args: Args,
  createdIds: Map<string, string>,
) {
  checkAccount(args, account);
  const oldState = await accountState(deps.db, account.id);
  checkIfInState(args, oldState);
  const own = await ownMailboxes(deps, account);
  const created: Record<string, unknown> = {};
  const notCreated: Record<string, SetError> = {};
  for (const [cid, item] of Object.entries((args.emails ?? {}) as Record<string, Obj>)) {
    const mailbox = targetMailbox(item.mailboxIds, own, createdIds);
    if (typeof mailbox !== 'number') {
      notCreated[cid] = mailbox;
      continue;
    }
    const flags = keywordFlags(item.keywords);
    if (!Array.isArray(flags)) {
      notCreated[cid] = flags;
      continue;
    }
    const blob = await readBlob(deps, account, String(item.blobId));
    if (!blob) {
      notCreated[cid] = { ...setError('blobNotFound'), notFound: [item.blobId] } as SetError;
      continue;
    }
    try {
      const id = await appendTo(
        deps,
        account,
        mailbox,
        blob.data,
        flags,
        typeof item.receivedAt === 'string' ? new Date(item.receivedAt) : undefined,
      );
      const thread = (await threadIdsOf(deps, account, [id])).get(id) ?? id;
      createdIds.set(cid, emailIdOf(id));
      created[cid] = {
        id: emailIdOf(id),
        blobId: blobIdOf({ kind: 'message', messageId: id, part: null }),
        threadId: threadIdOf(thread),
        size: blob.data.length,
      };
    } catch (error) {
      if (error instanceof OverQuotaError) notCreated[cid] = setError('overQuota');
      else throw error;
    }
  }
  return {
    accountId: args.accountId,
    oldState,
    newState: await accountState(deps.db, account.id),
    created,
    notCreated,
  };
}
