import { createHash } from 'node:crypto';
import type { Directory } from '../directory/directory';
import type { Account } from '../directory/types';
import { parseMessageStructure } from '../mime';
import type { BlobStore } from '../ports/blob-store';
import type { MailboxEvents } from '../ports/events';
import type { Spool, SpoolPayload, SpoolRecipient } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import { acquireBlob } from '../store/blob-refs';
import type { MailboxStore } from '../store/mailbox-store';
import type { RecipientFailure } from './recipient-failure';
import type { ImipReceiver } from '../pim/scheduling/imip-hook';
import type { VacationResponder } from './vacation-responder';
import type { ListDelivery } from '../lists/list-delivery';
import { deliveryFolder } from '../security/control-headers';
import { SieveDelivery } from '../sieve/delivery/executor';
import { DEFAULT_SIEVE_LIMITS, SieveScriptStore } from '../sieve/script-store';
import { applySievePlan } from './sieve-apply';
import type { AutomaticLimits } from '../outbound/automatic-limits';
import { HeldMail } from '../spool/held-mail';

/**
 * Delivers one spooled message to its local recipients: one SQL transaction per mailbox (UID and
 * MODSEQ assigned there), deduplicated on (queue id, recipient) so a job run twice yields one copy.
 * Remote alias targets and Sieve redirects (the account's forwarding among them) become jobs on
 * the outbound queue, their envelope sender SRS-rewritten where the directory has SRS configured;
 * a redirect to a local address becomes an inbound job, so it never leaves through the MX.
 */
export class LocalDelivery {
  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobStore,
    private readonly spool: Spool,
    private readonly directory: Directory,
    private readonly mailboxes: MailboxStore,
    private readonly events: MailboxEvents,
    private readonly vacation?: VacationResponder,
    private imip?: ImipReceiver,
    // Sieve (issue #18): global scripts, the user's script and the vacation response, per account.
    private sieve: SieveDelivery = new SieveDelivery(db, new SieveScriptStore(db), DEFAULT_SIEVE_LIMITS),
  ) {}

  private lists?: ListDelivery;

  /** The Sieve executor with the configured limits (the default one uses the safe defaults). */
  useSieve(sieve: SieveDelivery): void {
    this.sieve = sieve;
  }

  /**
   * Incoming iMIP (RFC 6047) into the recipient's calendar. The composition root builds this
   * delivery before the PIM side exists, so the delivery worker plugs the receiver in.
   */
  useImipReceiver(receiver: ImipReceiver): void {
    this.imip = receiver;
  }

  private automatic?: AutomaticLimits;

  /**
   * The hourly limit of copies sent on for one account or alias (core/outbound/automatic-limits):
   * past it, the copies wait in held mail (reason 'account'), released with `nimbus user release`.
   */
  useAutomaticLimits(limits: AutomaticLimits): void {
    this.automatic = limits;
  }

  /** Mailing lists (core/lists): the composition root plugs them in like the iMIP receiver. */
  useLists(lists: ListDelivery): void {
    this.lists = lists;
  }

  /** Delivers every recipient not yet done; returns the updated "done" list and the failures. */
  async deliver(payload: SpoolPayload): Promise<{ done: string[]; failures: RecipientFailure[] }> {
    const done = new Set(payload.done ?? []);
    const failures: RecipientFailure[] = [];
    let body: Buffer | null = null;
    const loadBody = async () => (body ??= await this.blobs.get(payload.blobKey));

    for (const recipient of payload.recipients) {
      if (done.has(recipient.address)) continue;
      // A list's addresses (post, -request, -bounces+VERP, …) are the list's, not a mailbox's.
      const route = await this.lists?.route(recipient.address);
      if (route && this.lists) {
        const failure = await this.lists.deliver({
          payload,
          recipient: recipient.address,
          route,
          body: await loadBody(),
        });
        if (failure) failures.push(failure);
        else done.add(recipient.address);
        continue;
      }
      const resolution = await this.directory.resolve(recipient.address);
      if (resolution.kind === 'unknown-user') {
        failures.push({
          recipient: recipient.address,
          permanent: true,
          reason: '5.1.1 mailbox does not exist',
        });
        continue;
      }
      if (resolution.kind === 'not-local') {
        // Not ours (authenticated relay): the DSN parameters go with the recipient.
        await this.forward(payload, recipient.address, recipient);
        done.add(recipient.address);
        continue;
      }
      let failed = false;
      for (const account of resolution.accounts) {
        const result = await this.deliverToAccount(payload, recipient.address, account, await loadBody());
        if (result) {
          failures.push(result);
          failed = true;
        }
      }
      if (resolution.remote.length > 0) {
        const mailFrom = await this.forwardingSender(payload.mailFrom, recipient.address);
        for (const target of resolution.remote)
          await this.forward({ ...payload, mailFrom }, target, undefined, 'outbound', recipient.address);
      }
      if (!failed) done.add(recipient.address);
    }
    return { done: [...done], failures };
  }

  private async deliverToAccount(
    payload: SpoolPayload,
    recipient: string,
    account: Account,
    body: Buffer,
  ): Promise<RecipientFailure | null> {
    // Accounts with Sieve work (a script, a global script, a vacation response) go by its plan.
    const plan = await this.sieve.plan({
      account,
      recipient,
      mailFrom: payload.mailFrom,
      message: body,
      auth: payload.authenticatedAs,
      redirectedBy: payload.redirectedBy,
    });
    if (plan) {
      const deps = {
        db: this.db,
        blobs: this.blobs,
        mailboxes: this.mailboxes,
        events: this.events,
        sieve: this.sieve,
        vacation: this.vacation,
        redirect: (p: SpoolPayload, to: string, by: Account, target: string) =>
          this.redirect(p, to, by, target),
      };
      return applySievePlan(deps, payload, recipient, account, body, plan);
    }
    const prefix = Buffer.from(
      `Return-Path: <${payload.mailFrom}>\r\nDelivered-To: ${account.address}\r\n`,
      'utf8',
    );
    const structure = parseMessageStructure(Buffer.concat([prefix, body]));
    const outcome = await this.db.transaction(async (tx) => {
      const fresh = await tx.query(
        `INSERT INTO deliveries (queue_id, recipient) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
        [payload.queueId, account.address],
      );
      if (fresh.rows.length === 0) return { kind: 'duplicate' as const };
      const quota = await tx.query<{ quota_bytes: number | null; used_bytes: number }>(
        `SELECT quota_bytes, used_bytes FROM accounts WHERE id = $1 FOR UPDATE`,
        [account.id],
      );
      const { quota_bytes, used_bytes } = quota.rows[0];
      if (quota_bytes !== null && used_bytes + prefix.length + body.length > quota_bytes) {
        return { kind: 'over-quota' as const };
      }
      // Security policy (core/security): the MX files spam/DMARC-quarantine into Junk with
      // X-Nimbus-Folder (senders cannot set it: the MX strips incoming X-Nimbus-* fields).
      // A folder the account lacks (e.g. Quarantine) falls back to Junk, then INBOX.
      const target = deliveryFolder(body);
      const inbox =
        (target ? await this.mailboxes.getMailbox(account.id, target, tx) : null) ??
        (target ? await this.mailboxes.getMailbox(account.id, 'Junk', tx) : null) ??
        (await this.mailboxes.getMailbox(account.id, 'INBOX', tx));
      if (!inbox) return { kind: 'no-inbox' as const };
      await acquireBlob(tx, payload.blobKey, payload.size);
      const appended = await this.mailboxes.append(tx, {
        mailboxId: inbox.id,
        blobKey: payload.blobKey,
        blobSize: payload.size,
        headerPrefix: prefix,
        structure,
        internalDate: new Date(payload.receivedAt),
      });
      return { kind: 'delivered' as const, mailboxId: inbox.id, ...appended };
    });
    switch (outcome.kind) {
      case 'delivered':
        await this.events.publish({
          accountId: account.id,
          mailboxId: outcome.mailboxId,
          kind: 'append',
          uid: outcome.uid,
          modseq: outcome.modseq,
        });
        // No auto-reply to what the MX filed as spam/quarantine (backscatter), nor calendar changes.
        if (!deliveryFolder(body)) {
          await this.vacation?.afterDelivery({ account, recipient, mailFrom: payload.mailFrom, body });
          // After the commit, like the auto-reply: a calendar that can't take the invitation
          // never fails or repeats the mail delivery (a retried job is deduplicated above).
          await this.imip?.afterDelivery({ account, message: body }).catch(() => null);
        }
        return null;
      case 'duplicate':
        return null;
      case 'over-quota':
        // The transaction rolled back, dedupe row included: a later attempt can still deliver.
        return { recipient, permanent: false, reason: `4.2.2 mailbox of ${account.address} is over quota` };
      case 'no-inbox':
        return { recipient, permanent: false, reason: `4.3.0 ${account.address} has no INBOX` };
    }
  }

  /**
   * The envelope sender of a copy forwarded on behalf of `recipient`: SRS-rewritten at the
   * recipient's domain so the next hop's SPF check sees us, unless the sender is ours already
   * (our SPF covers it) or null (a bounce is never bounced).
   */
  private async forwardingSender(mailFrom: string, recipient: string): Promise<string> {
    const srs = this.directory.srs;
    if (!srs || mailFrom === '') return mailFrom;
    const senderDomain = mailFrom.slice(mailFrom.lastIndexOf('@') + 1);
    if (await this.directory.isLocalDomain(senderDomain)) return mailFrom;
    return srs.forward(mailFrom, recipient.slice(recipient.lastIndexOf('@') + 1).toLowerCase());
  }

  /**
   * A Sieve redirect (the account's forwarding included) for `recipient`, on behalf of `account`.
   * A local target keeps the original sender and goes through the inbound queue, carrying the
   * accounts it passed so a forwarding loop ends with one kept copy (SieveDelivery).
   */
  private async redirect(
    payload: SpoolPayload,
    recipient: string,
    account: Account,
    target: string,
  ): Promise<void> {
    if (await this.directory.isLocalDomain(target.slice(target.lastIndexOf('@') + 1))) {
      const redirectedBy = [...(payload.redirectedBy ?? []), account.address];
      await this.forward({ ...payload, redirectedBy }, target, undefined, 'inbound');
      return;
    }
    const mailFrom = await this.forwardingSender(payload.mailFrom, recipient);
    await this.forward({ ...payload, mailFrom }, target, undefined, 'outbound', account.address);
  }

  /**
   * Hands a copy to a queue (outbound unless told). The job is enqueued first (idempotent on its
   * id), then the blob reference is taken once (deduplicated), so a crash in between loses nothing.
   */
  private async forward(
    payload: SpoolPayload,
    target: string,
    original?: SpoolRecipient,
    queue: 'inbound' | 'outbound' = 'outbound',
    /** The account or alias the copy is sent on for: counted against the forwards limit. */
    onBehalfOf?: string,
  ): Promise<void> {
    const suffix = createHash('sha256').update(target.toLowerCase()).digest('hex').slice(0, 12).toUpperCase();
    const id = `${payload.queueId}.${suffix}`;
    const copy: SpoolPayload = {
      queueId: id,
      blobKey: payload.blobKey,
      size: payload.size,
      mailFrom: payload.mailFrom,
      recipients: [{ address: target, notify: original?.notify, orcpt: original?.orcpt }],
      receivedAt: payload.receivedAt,
      dsn: payload.dsn,
      ...(payload.redirectedBy ? { redirectedBy: payload.redirectedBy } : {}),
    };
    const held =
      onBehalfOf !== undefined && this.automatic && !(await this.automatic.admit('forward', onBehalfOf));
    if (held) {
      // Idempotent on the job id, like enqueue; the blob reference below moves with it on release.
      await new HeldMail(this.db).hold({
        id,
        queue,
        payload: copy,
        reason: 'account',
        domain: null,
        account: onBehalfOf.toLowerCase(),
        note: 'forwarding limit reached',
      });
    } else await this.spool.enqueue(queue, id, copy);
    await this.db.transaction(async (tx) => {
      const fresh = await tx.query(
        `INSERT INTO deliveries (queue_id, recipient) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
        [payload.queueId, `forward:${target.toLowerCase()}`],
      );
      if (fresh.rows.length > 0) await acquireBlob(tx, payload.blobKey, payload.size);
    });
  }
}
