/**
 * Held posts: holding one (moderators told, with web links and a reply address), and deciding
 * on it. A decision from the admin API, the CLI or the web is recorded in SQL and carried out by
 * the delivery role through a spool job (`list-mod.<id>` to LIST-confirm+mod-<id>@), so the
 * deciding process needs neither the distributor nor the acceptor, and a crash loses nothing.
 */
import type { Spool } from '../ports/spool';
import type { SqlExecutor } from '../ports/sql';
import type { ListDeps } from './deps';
import { HeldStore, type HeldPost, type ModerationDecision } from './held-store';
import {
  CONFIRM_TOKEN_DAYS,
  confirmAddress,
  expiresIn,
  moderateUrl,
  replyableConfirmAddress,
  roleAddress,
} from './links';
import { ListStore } from './list-store';
import { sendNotice } from './notices';
import { issueToken, tokenHash } from './tokens';
import type { MailingList, PostDistributor } from './types';

export class ModerationError extends Error {
  constructor(
    readonly code: 'not-found' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'ModerationError';
  }
}

/** The spool job id that carries out the decision on held post `id`. */
export const moderationJobId = (heldId: string) => `list-mod.${heldId}`;
/** Its recipient's token part (LIST-confirm+mod-<id>@): only valid on a job with that id. */
export const moderationJobToken = (heldId: string) => `mod-${heldId}`;

export async function holdPost(
  deps: ListDeps,
  list: MailingList,
  post: { queueId: string; blobKey: string; size: number; mailFrom: string; sender: string; subject: string },
  reason: string,
): Promise<HeldPost> {
  const { held, fresh } = await new HeldStore(deps.db).hold({
    listId: list.id,
    ...post,
    reason,
    tokenHash: tokenHash(`held:${list.id}:${post.queueId}`),
  });
  if (!fresh) return held;
  const token = issueToken(
    deps.settings.tokenSecret,
    { kind: 'moderate', heldId: held.id },
    expiresIn(deps.now(), CONFIRM_TOKEN_DAYS * 2),
  );
  const moderators = await new ListStore(deps.db).moderators(list.id);
  const replyTo = replyableConfirmAddress(list, token);
  await sendNotice(
    deps,
    list,
    {
      from: roleAddress(list, 'owner'),
      replyTo: replyTo ?? undefined,
      to: moderators,
      subject: `${list.name}: post from ${post.sender} held for approval`,
      autoSubmitted: 'auto-generated',
      text:
        `A post to ${list.address} is held for approval.\r\n\r\n  From: ${post.sender}\r\n  Subject: ${post.subject}\r\n  Reason: ${reason}\r\n\r\n` +
        `Approve, reject or discard it at ${moderateUrl(deps.settings, token)}\r\n` +
        (replyTo ? `or reply to this message to approve it.\r\n` : ''),
    },
    { queueId: post.queueId, tag: `held:${held.id}` },
  );
  if (post.sender.includes('@'))
    await sendNotice(
      deps,
      list,
      {
        from: roleAddress(list, 'owner'),
        to: [post.sender],
        subject: `Your post to ${list.name} awaits moderator approval`,
        autoSubmitted: 'auto-replied',
        text: `Your message "${post.subject}" to ${list.address} is held: ${reason}.\r\nA moderator will look at it.\r\n`,
      },
      { queueId: post.queueId, tag: `held-author:${held.id}` },
    );
  return held;
}

/**
 * Records a decision and schedules it. 'discard' is finished at once; 'approve' and 'reject' run
 * on the delivery role. Asking again for the same pending decision re-schedules it (idempotent).
 */
export async function requestDecision(
  ctx: { db: SqlExecutor; spool: Pick<Spool, 'enqueue'> },
  list: MailingList,
  heldId: string,
  decision: ModerationDecision,
  by: string,
  reason: string | null = null,
): Promise<HeldPost> {
  const store = new HeldStore(ctx.db);
  const held = await store.get(heldId);
  if (!held || held.listId !== list.id)
    throw new ModerationError('not-found', `no held post ${heldId} on ${list.address}`);
  if (held.done || (held.decision !== null && held.decision !== decision))
    throw new ModerationError('invalid', `held post ${heldId} was already decided (${held.decision})`);
  if (held.decision === null) await store.decide(heldId, decision, by, reason);
  if (decision === 'discard') {
    await store.finish(heldId);
  } else {
    const id = moderationJobId(heldId);
    // The job carries the held post's blob key but owns no reference of its own (the held row
    // does): mark its spool reference as already given back before it can run.
    await ctx.db.query(
      `INSERT INTO deliveries (queue_id, recipient) VALUES ($1, '#spool-reference') ON CONFLICT DO NOTHING`,
      [id],
    );
    await ctx.spool.enqueue('inbound', id, {
      queueId: id,
      blobKey: held.blobKey,
      size: held.size,
      mailFrom: '',
      recipients: [{ address: confirmAddress(list, moderationJobToken(heldId)) }],
      receivedAt: new Date().toISOString(),
    });
  }
  return (await store.get(heldId))!;
}

/** Carries out the recorded decision on a held post (delivery role). Safe to run twice. */
export async function carryOutDecision(
  deps: ListDeps,
  post: PostDistributor,
  list: MailingList,
  heldId: string,
): Promise<void> {
  const store = new HeldStore(deps.db);
  const held = await store.get(heldId);
  if (!held || held.listId !== list.id || held.done || held.decision === null) return;
  if (held.decision === 'approve') {
    const body = await deps.blobs.get(held.blobKey);
    await post.distribute(list, {
      queueId: held.queueId,
      body,
      mailFrom: held.mailFrom,
      receivedAt: held.heldAt,
    });
  } else if (held.decision === 'reject' && held.sender.includes('@')) {
    await sendNotice(
      deps,
      list,
      {
        from: roleAddress(list, 'owner'),
        to: [held.sender],
        subject: `Your post to ${list.name} was rejected`,
        autoSubmitted: 'auto-replied',
        text: `Your message "${held.subject}" to ${list.address} was rejected by a moderator.${held.decisionReason ? `\r\nReason: ${held.decisionReason}` : ''}\r\n`,
      },
      { queueId: moderationJobId(heldId), tag: 'rejected' },
    );
  }
  await store.finish(heldId);
}
