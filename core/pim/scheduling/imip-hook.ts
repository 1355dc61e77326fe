/**
 * The delivery-side hook for incoming iMIP: called after a message is stored for a local account
 * (next to VacationResponder.afterDelivery in core/delivery/local-delivery.ts and
 * batch-delivery.ts). A byte scan for "text/calendar" keeps ordinary mail from being parsed twice.
 * Best effort, like the vacation responder: it never fails the delivery it follows.
 */
import { applyImipMessage, type ImipOutcome } from './apply-imip';
import { isItipApplied } from './imip-mail';
import type { LocalAccount, SchedulingStore } from './ports';

const MARKER = Buffer.from('text/calendar');

/** Whether a message may carry an iTIP part (any case of "text/calendar" in it). */
export function mayCarryItip(message: Buffer): boolean {
  return message.includes(MARKER) || message.toString('latin1').toLowerCase().includes('text/calendar');
}

export class ImipReceiver {
  constructor(private readonly store: () => SchedulingStore | null) {}

  /** `message`: the whole delivered message (not just its header). */
  async afterDelivery(input: { account: LocalAccount; message: Buffer }): Promise<ImipOutcome | null> {
    const store = this.store();
    if (!store || !mayCarryItip(input.message) || isItipApplied(input.message)) return null;
    return applyImipMessage({ store }, input.account, input.message);
  }
}
