/**
 * Who may post: members (moderated or not), senders on the allow list, everyone else. The list's
 * three policies say what happens to each: accept, hold for a moderator, reject, or discard.
 */
import type { MailingList, PostAction } from './types';

export interface PosterStatus {
  member: boolean;
  moderated: boolean;
  allowed: boolean;
}

export interface PostDecision {
  action: PostAction;
  reason: string;
}

/** Does `sender` match an allow-list entry (an address, or *@domain / @domain)? */
export function matchesAllowList(sender: string, patterns: readonly string[]): boolean {
  const s = sender.trim().toLowerCase();
  const domain = s.slice(s.lastIndexOf('@') + 1);
  return patterns.some((raw) => {
    const p = raw.trim().toLowerCase();
    if (p.startsWith('*@') || p.startsWith('@')) return domain === p.slice(p.indexOf('@') + 1);
    return p === s;
  });
}

export function decidePost(list: Pick<MailingList, 'policy'>, poster: PosterStatus): PostDecision {
  if (poster.member && poster.moderated)
    return { action: list.policy.moderated, reason: 'the poster is a moderated member' };
  if (poster.member) return { action: list.policy.members, reason: 'member post' };
  if (poster.allowed) return { action: 'accept', reason: 'the poster is on the allow list' };
  return { action: list.policy.nonMembers, reason: 'the poster is not a member of the list' };
}
