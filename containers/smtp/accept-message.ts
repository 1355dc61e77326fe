import type { Logger } from 'pino';
import { countReceivedHeaders } from '../../core/mail/hop-count';
import { newQueueId } from '../../core/spool/queue-id';
import { buildReceivedHeader } from './received-header';
import { reply, type SmtpReply } from './smtp-reply';
import type { Envelope, SessionInfo, SmtpPolicy } from './types';

export interface AcceptContext {
  readonly info: SessionInfo;
  readonly hostname: string;
  readonly policy: SmtpPolicy;
  readonly log: Logger;
  /** The client said EHLO (the Received header says ESMTP). */
  readonly esmtp: boolean;
  readonly maxHops: number;
}

/**
 * A complete message of a transaction: the policy's content check, then the Received header is
 * prepended and the message stored. The reply to send, and whether the message was queued.
 */
export async function acceptMessage(
  context: AcceptContext,
  envelope: Envelope,
  data: Buffer,
): Promise<{ reply: SmtpReply; queued: boolean }> {
  const { info, policy, log } = context;
  const queueId = newQueueId();
  if (countReceivedHeaders(data) >= context.maxHops) {
    log.warn({ from: envelope.mailFrom, maxHops: context.maxHops }, 'mail loop: too many hops');
    return { reply: reply(554, '5.4.6', 'Too many hops: mail loop detected'), queued: false };
  }
  const checked = (await policy.checkMessage?.(info, envelope, data)) ?? null;
  if (checked) return { reply: checked, queued: false };
  const received = buildReceivedHeader({
    session: info,
    hostname: context.hostname,
    queueId,
    recipients: envelope.recipients,
    utf8: envelope.utf8,
    esmtp: context.esmtp,
  });
  try {
    await policy.accept(info, envelope, Buffer.concat([received, data]), queueId);
  } catch (error) {
    log.error({ err: error, queueId }, 'message not stored');
    return { reply: reply(451, '4.3.0', 'Temporary storage failure, please try again later'), queued: false };
  }
  log.info(
    { queueId, from: envelope.mailFrom, rcpts: envelope.recipients.length, size: data.length },
    'message accepted',
  );
  return { reply: reply(250, '2.0.0', `Ok: queued as ${queueId}`), queued: true };
}
