/**
 * THE HOOK of local delivery (core/delivery/local-delivery.ts): a recipient owned by a list is
 * handed here instead of to a mailbox. Posts are checked (loop, size, post policy) and accepted,
 * held, rejected or discarded; -request/-join/-leave run commands; -owner reaches the owners;
 * -bounces goes to the bounce handler; -confirm+TOKEN confirms (un)subscriptions and moderation.
 */
import type { RecipientFailure } from '../delivery/recipient-failure';
import type { SpoolPayload } from '../ports/spool';
import { decodeHeaderValue } from '../mime';
import { runRequest, senderOf } from './commands/run-commands';
import type { ListDeps } from './deps';
import { HeldStore } from './held-store';
import { headerView, isLoop } from './list-id';
import { ListRouter } from './list-router';
import { ListStore } from './list-store';
import { MemberStore } from './member-store';
import { carryOutDecision, holdPost, moderationJobId } from './moderation';
import { noticeQueueId } from './notices';
import { decidePost, matchesAllowList } from './post-policy';
import { confirmToken } from './subscription';
import { verifyToken } from './tokens';
import type { BounceHandler, ListRoute, MailingList, PostDistributor } from './types';
import { bouncesAddress } from './verp';

export interface ListDeliveryInput {
  payload: SpoolPayload;
  recipient: string;
  route: ListRoute;
  body: Buffer;
}

export class ListDelivery {
  private readonly router: ListRouter;

  constructor(
    private readonly deps: ListDeps,
    private readonly post: PostDistributor,
    private readonly bounces: BounceHandler,
    /** Where discarded loops and refusals are noted (the node's logger). */
    private readonly log: (message: string, fields?: Record<string, unknown>) => void = () => undefined,
  ) {
    this.router = new ListRouter(deps.db);
  }

  /** null when no list owns this address. */
  route(address: string): Promise<ListRoute | null> {
    return this.router.route(address);
  }

  /** Handles one recipient of a spooled message: null on success, or a RecipientFailure. */
  async deliver(input: ListDeliveryInput): Promise<RecipientFailure | null> {
    const { payload, route, body } = input;
    const { list } = route;
    const message = { queueId: payload.queueId, mailFrom: payload.mailFrom, body };
    switch (route.role) {
      case 'post':
        return this.deliverPost(input);
      case 'request':
        await runRequest(this.deps, list, message);
        return null;
      case 'join':
        await runRequest(this.deps, list, message, { name: 'subscribe', args: [] });
        return null;
      case 'leave':
        await runRequest(this.deps, list, message, { name: 'unsubscribe', args: [] });
        return null;
      case 'owner':
        await this.toOwners(list, payload, body);
        return null;
      case 'bounces':
        // '' : not a VERP address; the handler reads the DSN to find the member.
        await this.bounces.handle(list, route.verp ?? '', body);
        return null;
      case 'confirm':
        await this.confirm(list, route.token ?? '', payload, body);
        return null;
    }
  }

  private async deliverPost({
    payload,
    recipient,
    route,
    body,
  }: ListDeliveryInput): Promise<RecipientFailure | null> {
    const { list } = route;
    const headers = headerView(body);
    if (isLoop(headers, list.address)) {
      this.log('list post discarded: it went through this list already (loop)', {
        list: list.address,
        queueId: payload.queueId,
      });
      return null;
    }
    const limit = list.maxPostBytes ?? this.deps.settings.maxPostBytes;
    if (body.length > limit)
      return {
        recipient,
        permanent: true,
        reason: `5.3.4 message too big for list ${list.address} (limit ${limit} bytes)`,
      };
    const sender = senderOf(body, payload.mailFrom);
    const members = new MemberStore(this.deps.db);
    const envelope = payload.mailFrom.trim().toLowerCase();
    const member =
      (await members.get(list.id, sender)) ??
      (envelope && envelope !== sender ? await members.get(list.id, envelope) : null);
    const allowed = matchesAllowList(sender, await new ListStore(this.deps.db).allowList(list.id));
    const decision = decidePost(list, {
      member: member !== null,
      moderated: member?.moderated ?? false,
      allowed,
    });
    switch (decision.action) {
      case 'accept':
        await this.post.distribute(list, {
          queueId: payload.queueId,
          body,
          mailFrom: payload.mailFrom,
          receivedAt: payload.receivedAt,
        });
        return null;
      case 'hold': {
        const subject = headers.first('subject');
        await holdPost(
          this.deps,
          list,
          {
            queueId: payload.queueId,
            blobKey: payload.blobKey,
            size: payload.size,
            mailFrom: payload.mailFrom,
            sender,
            subject: subject ? decodeHeaderValue(subject).slice(0, 300) : '',
          },
          decision.reason,
        );
        return null;
      }
      case 'reject':
        return {
          recipient,
          permanent: true,
          reason: `5.7.1 ${list.address} refused the post: ${decision.reason}`,
        };
      case 'discard':
        this.log('list post discarded by policy', { list: list.address, sender, reason: decision.reason });
        return null;
    }
  }

  /** LIST-owner@: a copy to every owner, sent by the list (its -bounces as envelope sender). */
  private async toOwners(list: MailingList, payload: SpoolPayload, body: Buffer): Promise<void> {
    const owners = await new ListStore(this.deps.db).roles(list.id, 'owner');
    if (owners.length === 0) return;
    await this.deps.acceptor.accept({
      data: body,
      mailFrom: payload.mailFrom === '' ? '' : bouncesAddress(list.address),
      recipients: owners.map((address) => ({ address })),
      queueId: noticeQueueId(payload.queueId, `owner:${list.id}`),
    });
  }

  private async confirm(
    list: MailingList,
    token: string,
    payload: SpoolPayload,
    body: Buffer,
  ): Promise<void> {
    // A decision recorded by the admin API, CLI or web (moderation.ts): only on that job's own id.
    const job = /^mod-(\d+)$/.exec(token);
    if (job) {
      if (payload.queueId === moderationJobId(job[1]))
        await carryOutDecision(this.deps, this.post, list, job[1]);
      return;
    }
    const claim = verifyToken(this.deps.settings.tokenSecret, token, this.deps.now());
    if (!claim) return this.log('list confirmation with a bad or expired token', { list: list.address });
    if (claim.kind === 'confirm') {
      await confirmToken(this.deps, token, { queueId: payload.queueId });
      return;
    }
    if (claim.kind === 'moderate') {
      // A moderator replied to the held-post notice: approval, if they are one.
      const sender = senderOf(body, payload.mailFrom);
      const moderators = await new ListStore(this.deps.db).moderators(list.id);
      if (!moderators.includes(sender))
        return this.log('held-post reply from a non-moderator ignored', { sender });
      const held = new HeldStore(this.deps.db);
      await held.decide(claim.heldId, 'approve', `mail:${sender}`, null);
      await carryOutDecision(this.deps, this.post, list, claim.heldId);
    }
  }
}
