/**
 * The web links and reply addresses the lists mail out. The web role serves them under
 * /webmail/lists/ (functions/webmail/lists-api.ts). L2 uses oneClickUnsubscribeUrl for the
 * per-member List-Unsubscribe (RFC 8058).
 */
import type { ListSettings } from './deps';
import { issueToken } from './tokens';
import type { ListMember, MailingList } from './types';

/** One-click unsubscribe links stay valid this long (a post may be read months later). */
export const UNSUBSCRIBE_TOKEN_DAYS = 365;
/** Subscription confirmations and moderation links expire after this many days. */
export const CONFIRM_TOKEN_DAYS = 7;

const DAY_MS = 86_400_000;
const base = (settings: ListSettings) => settings.webBase.replace(/\/+$/, '');

export const confirmUrl = (settings: ListSettings, token: string) =>
  `${base(settings)}/webmail/lists/confirm/${token}`;
export const moderateUrl = (settings: ListSettings, token: string) =>
  `${base(settings)}/webmail/lists/moderate/${token}`;

/** LIST-confirm+TOKEN@domain: replying to a confirmation mail confirms it. */
export function confirmAddress(list: Pick<MailingList, 'address'>, token: string): string {
  const at = list.address.lastIndexOf('@');
  return `${list.address.slice(0, at)}-confirm+${token}@${list.address.slice(at + 1)}`;
}

/**
 * The reply-to-act address, or null when its local part would pass the 64 octets MTAs enforce
 * (RFC 5321 §4.5.3.1.1; a long list name with a MAC-carrying token): then only the link works.
 */
export function replyableConfirmAddress(list: Pick<MailingList, 'address'>, token: string): string | null {
  const address = confirmAddress(list, token);
  return Buffer.byteLength(address.slice(0, address.lastIndexOf('@')), 'utf8') <= 64 ? address : null;
}

export function roleAddress(
  list: Pick<MailingList, 'address'>,
  suffix: 'request' | 'owner' | 'bounces' | 'join' | 'leave',
): string {
  const at = list.address.lastIndexOf('@');
  return `${list.address.slice(0, at)}-${suffix}@${list.address.slice(at + 1)}`;
}

export function unsubscribeToken(
  settings: ListSettings,
  list: Pick<MailingList, 'id'>,
  member: Pick<ListMember, 'id'>,
  now: Date,
): string {
  return issueToken(
    settings.tokenSecret,
    { kind: 'unsubscribe', listId: list.id, memberId: member.id },
    new Date(now.getTime() + UNSUBSCRIBE_TOKEN_DAYS * DAY_MS),
  );
}

/** The https URL of List-Unsubscribe (RFC 8058: POST List-Unsubscribe=One-Click to it). */
export function oneClickUnsubscribeUrl(
  settings: ListSettings,
  list: Pick<MailingList, 'id'>,
  member: Pick<ListMember, 'id'>,
  now: Date,
): string {
  return `${base(settings)}/webmail/lists/unsubscribe/${unsubscribeToken(settings, list, member, now)}`;
}

export const expiresIn = (now: Date, days: number) => new Date(now.getTime() + days * DAY_MS);
