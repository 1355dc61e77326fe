/**
 * Double opt-in (by mail and by the web): a request mails a token to the address concerned; only
 * that token (replied to LIST-confirm+TOKEN@, or opened at the web link) changes the membership.
 * Tokens are HMAC-signed, stored as hashes and work once.
 */
import type { ListDeps } from './deps';
import { HeldStore } from './held-store';
import { CONFIRM_TOKEN_DAYS, confirmAddress, confirmUrl, expiresIn, roleAddress } from './links';
import { MemberStore } from './member-store';
import { ListStore } from './list-store';
import { sendNotice } from './notices';
import { newConfirmToken, tokenHash, verifyToken } from './tokens';
import type { ListMember, MailingList } from './types';

export type SubscriptionAction = 'subscribe' | 'unsubscribe';

/** What (un)subscribing needs: the web role has these too. */
export type SubscriptionDeps = Pick<ListDeps, 'db' | 'acceptor' | 'settings' | 'now'>;

/** Starts a (un)subscription: records it and mails the confirmation. `cause` keys the notice. */
export async function requestConfirmation(
  deps: SubscriptionDeps,
  list: MailingList,
  request: { action: SubscriptionAction; address: string; displayName?: string | null },
  cause: { queueId: string },
): Promise<void> {
  const now = deps.now();
  const address = request.address.trim().toLowerCase();
  const token = newConfirmToken();
  await new HeldStore(deps.db).addPending({
    listId: list.id,
    tokenHash: tokenHash(token),
    action: request.action,
    address,
    displayName: request.displayName ?? null,
    expiresAt: expiresIn(now, CONFIRM_TOKEN_DAYS).toISOString(),
  });
  const verb = request.action === 'subscribe' ? 'subscribe to' : 'unsubscribe from';
  const reply = confirmAddress(list, token);
  await sendNotice(
    deps,
    list,
    {
      from: reply,
      replyTo: reply,
      to: [address],
      subject: `confirm ${token}`,
      autoSubmitted: 'auto-replied',
      text:
        `Someone (hopefully you) asked to ${verb} the list ${list.address} with ${address}.\r\n\r\n` +
        `To confirm, reply to this message (its address is ${reply}),\r\n` +
        `or open ${confirmUrl(deps.settings, token)}\r\n\r\n` +
        `If you did not ask for this, ignore this message: nothing changes. The request expires in ${CONFIRM_TOKEN_DAYS} days.\r\n`,
    },
    { queueId: cause.queueId, tag: `confirm:${request.action}:${address}` },
  );
}

export type ConfirmOutcome =
  | { kind: 'subscribed'; list: MailingList; member: ListMember }
  | { kind: 'unsubscribed'; list: MailingList; address: string }
  | { kind: 'invalid' };

/** Carries out the confirmation of `token` (a `c-` token); a welcome or goodbye goes out. */
export async function confirmToken(
  deps: SubscriptionDeps,
  token: string,
  cause: { queueId: string },
): Promise<ConfirmOutcome> {
  const claim = verifyToken(deps.settings.tokenSecret, token, deps.now());
  if (!claim || claim.kind !== 'confirm') return { kind: 'invalid' };
  const pending = await new HeldStore(deps.db).takePending(tokenHash(token), deps.now());
  if (!pending) return { kind: 'invalid' };
  const list = await new ListStore(deps.db).getById(pending.listId);
  if (!list) return { kind: 'invalid' };
  const members = new MemberStore(deps.db);
  if (pending.action === 'subscribe') {
    const { member } = await members.add(list.id, pending.address, { displayName: pending.displayName });
    await sendNotice(
      deps,
      list,
      {
        from: roleAddress(list, 'request'),
        to: [member.address],
        subject: `Welcome to ${list.name}`,
        autoSubmitted: 'auto-replied',
        text:
          `You are now subscribed to ${list.address}.\r\n\r\n${list.description ? `${list.description}\r\n\r\n` : ''}` +
          `Post by writing to ${list.address}. To leave, write to ${roleAddress(list, 'leave')}.\r\n`,
      },
      { queueId: cause.queueId, tag: `welcome:${member.address}` },
    );
    return { kind: 'subscribed', list, member };
  }
  await members.remove(list.id, pending.address);
  await sendGoodbye(deps, list, pending.address, cause);
  return { kind: 'unsubscribed', list, address: pending.address };
}

export async function sendGoodbye(
  deps: SubscriptionDeps,
  list: MailingList,
  address: string,
  cause: { queueId: string },
): Promise<void> {
  await sendNotice(
    deps,
    list,
    {
      from: roleAddress(list, 'request'),
      to: [address],
      subject: `You have left ${list.name}`,
      autoSubmitted: 'auto-replied',
      text: `${address} is no longer subscribed to ${list.address}.\r\n`,
    },
    { queueId: cause.queueId, tag: `goodbye:${address}` },
  );
}
