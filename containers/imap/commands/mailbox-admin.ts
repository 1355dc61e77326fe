/**
 * CREATE (CREATE-SPECIAL-USE), DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE. Names under
 * "Other Users/<owner>/" act on the owner's mailboxes with the RFC 4314 §4 rights: CREATE "k" on
 * the nearest existing parent, DELETE "x", RENAME "x" on the old name and "k" on the new parent.
 */
import { mailboxIdOf } from '../../../core/jmap/ids';
import { HIERARCHY_DELIMITER, canonicalSpecialUse } from '../../../core/store/mailbox-admin';
import { hasRights, sharedName } from '../../../core/store/mailbox-access';
import { parseMailbox } from '../parser/grammar';
import { ParseError } from '../parser/tokenizer';
import type { ImapSession } from '../session';
import { no, ok, type CommandResult } from '../types';
import { isResult, mailboxAccess, NOPERM, openMailbox, principal } from './access';
import type { Handler } from './context';

const REASONS: Record<string, CommandResult> = {
  exists: no('Mailbox already exists', 'ALREADYEXISTS'),
  nonexistent: no('Mailbox does not exist', 'NONEXISTENT'),
  inbox: no('INBOX cannot be deleted', 'CANNOT'),
  'has-children': no('Mailbox has children; delete them first', 'HASCHILDREN'),
  invalid: no('Invalid mailbox name', 'CANNOT'),
};

/**
 * Where `name` would be created: the owner and the owner's name for it, or the answer. In
 * another user's hierarchy the nearest existing parent must grant "k"; anything else there
 * (no parent, an unknown or foreign owner, a namespace node) is the same NOPERM.
 */
async function placeNew(
  s: ImapSession,
  name: string,
): Promise<{ ownerId: number; local: string } | CommandResult> {
  const place = await mailboxAccess(s).placement(principal(s), name);
  if (!place) return NOPERM;
  if (!place.shared) return { ownerId: place.ownerId, local: place.local };
  const parts = place.local.split(HIERARCHY_DELIMITER);
  for (let i = parts.length - 1; i >= 1; i--) {
    const parent = sharedName(place.ownerAddress, parts.slice(0, i).join(HIERARCHY_DELIMITER));
    const found = await mailboxAccess(s).resolve(principal(s), parent);
    if (found) return hasRights(found.rights, 'k') ? { ownerId: place.ownerId, local: place.local } : NOPERM;
  }
  return NOPERM;
}

export const create: Handler = async (s, { t }) => {
  t.sp();
  let name = parseMailbox(t, s.utf8);
  const uses: string[] = [];
  if (!t.atEnd) {
    t.sp();
    t.list(() => {
      const param = t.atom().toUpperCase();
      if (param !== 'USE') throw new ParseError(`Unknown CREATE parameter ${param}`);
      t.sp();
      t.list(() => {
        t.expect('\\');
        uses.push('\\' + t.atom());
      });
    });
  }
  t.end();
  if (name.endsWith('/')) name = name.replace(/\/+$/, '');
  if (name === 'INBOX') return REASONS.exists;
  const canonical: string[] = [];
  for (const use of uses) {
    const c = canonicalSpecialUse(use);
    if (!c) return no(`Unsupported special-use attribute ${use}`, 'USEATTR');
    canonical.push(c);
  }
  const place = await placeNew(s, name);
  if ('status' in place) return place;
  const result = await s.services.admin.create(place.ownerId, place.local, canonical);
  if (!result.ok) return REASONS[result.reason];
  // OBJECTID (RFC 8474 §4.1): the new mailbox's id, JMAP's string for it.
  if (result.mailbox) return ok('CREATE completed', `MAILBOXID (${mailboxIdOf(result.mailbox.id)})`);
  return ok('CREATE completed');
};

export const del: Handler = async (s, { t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  t.end();
  const found = await openMailbox(s, name, 'x');
  if (isResult(found)) return found;
  const selected = s.selected?.id === found.mailbox.id;
  const result = await s.services.admin.delete(found.ownerId, found.mailbox.name);
  if (!result.ok) return REASONS[result.reason];
  if (selected) s.deselect();
  return ok('DELETE completed');
};

export const rename: Handler = async (s, { t }) => {
  t.sp();
  const from = parseMailbox(t, s.utf8);
  t.sp();
  const to = parseMailbox(t, s.utf8).replace(/\/+$/, '');
  t.end();
  const source = await openMailbox(s, from, 'x');
  if (isResult(source)) return source;
  const place = await placeNew(s, to);
  if ('status' in place) return place;
  if (place.ownerId !== source.ownerId) return no('Cannot move a mailbox to another user', 'CANNOT');
  const result = await s.services.admin.rename(source.ownerId, source.mailbox.name, place.local);
  if (!result.ok) return REASONS[result.reason];
  if (s.selected && s.selected.id === source.mailbox.id && source.mailbox.name !== 'INBOX') {
    s.selected.mailbox.name = place.local;
  }
  return ok('RENAME completed');
};

export const subscribe: Handler = async (s, { t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  t.end();
  await s.services.admin.subscribe(s.account!.id, name);
  return ok('SUBSCRIBE completed');
};

export const unsubscribe: Handler = async (s, { t }) => {
  t.sp();
  const name = parseMailbox(t, s.utf8);
  t.end();
  await s.services.admin.unsubscribe(s.account!.id, name);
  return ok('UNSUBSCRIBE completed');
};
