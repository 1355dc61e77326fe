/**
 * The token-authenticated actions behind the public list pages (functions/webmail): one-click
 * unsubscribe (RFC 8058, idempotent), and looking up what a confirmation or moderation token is
 * for before the user presses the button (a GET never changes anything: link scanners open links).
 */
import type { SqlExecutor } from '../ports/sql';
import type { ListSettings } from './deps';
import { HeldStore, type HeldPost } from './held-store';
import { ListStore } from './list-store';
import { MemberStore } from './member-store';
import { tokenHash, verifyToken } from './tokens';
import type { ListMember, MailingList } from './types';

export type UnsubscribeTarget =
  | { kind: 'member'; list: MailingList; member: ListMember }
  | { kind: 'gone'; list: MailingList }
  | { kind: 'invalid' };

/** What a one-click token points at (valid token: its list, and the member if still there). */
export async function unsubscribeTarget(
  db: SqlExecutor,
  settings: Pick<ListSettings, 'tokenSecret'>,
  token: string,
  now: Date,
): Promise<UnsubscribeTarget> {
  const claim = verifyToken(settings.tokenSecret, token, now);
  if (!claim || claim.kind !== 'unsubscribe') return { kind: 'invalid' };
  const list = await new ListStore(db).getById(claim.listId);
  if (!list) return { kind: 'invalid' };
  const member = await new MemberStore(db).getById(list.id, claim.memberId);
  return member ? { kind: 'member', list, member } : { kind: 'gone', list };
}

/** RFC 8058 one-click: removes the member; a repeated request finds it gone and is still fine. */
export async function oneClickUnsubscribe(
  db: SqlExecutor,
  settings: Pick<ListSettings, 'tokenSecret'>,
  token: string,
  now: Date,
): Promise<UnsubscribeTarget> {
  const target = await unsubscribeTarget(db, settings, token, now);
  if (target.kind === 'member') await new MemberStore(db).removeById(target.list.id, target.member.id);
  return target;
}

/** The pending (un)subscription of a confirmation token, without taking it. */
export async function pendingOf(
  db: SqlExecutor,
  settings: Pick<ListSettings, 'tokenSecret'>,
  token: string,
  now: Date,
) {
  const claim = verifyToken(settings.tokenSecret, token, now);
  if (!claim || claim.kind !== 'confirm') return null;
  const pending = await new HeldStore(db).peekPending(tokenHash(token), now);
  if (!pending) return null;
  const list = await new ListStore(db).getById(pending.listId);
  return list ? { list, pending } : null;
}

/** The held post of a moderation token (still open), with its list. */
export async function heldOf(
  db: SqlExecutor,
  settings: Pick<ListSettings, 'tokenSecret'>,
  token: string,
  now: Date,
): Promise<{ list: MailingList; held: HeldPost } | null> {
  const claim = verifyToken(settings.tokenSecret, token, now);
  if (!claim || claim.kind !== 'moderate') return null;
  const held = await new HeldStore(db).get(claim.heldId);
  if (!held) return null;
  const list = await new ListStore(db).getById(held.listId);
  return list ? { list, held } : null;
}
