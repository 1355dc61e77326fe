import type { OutboundDecision } from '../../core/outbound/outbound-guard';
import { reply, type SmtpReply } from './smtp-reply';

/** The SMTP reply to an outbound decision: null to go on (send or hold), else the refusal. */
export function outboundReply(decision: OutboundDecision): SmtpReply | null {
  if (decision.kind !== 'refuse') return null;
  return decision.permanent ? reply(550, '5.7.1', decision.text) : reply(451, '4.7.1', decision.text);
}
