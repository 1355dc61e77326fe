/**
 * What delivery does with one message for one account, derived from the Sieve actions.
 * Pure: no I/O, so the rules (implicit keep, the redirect cap, reject cancelling keep) are
 * unit-tested alone.
 */
import type { SieveAction, SieveResult } from '../index';

export interface PlanFolder {
  name: string;
  flags: string[];
  /** fileinto :create (RFC 5490): make the mailbox when it is missing; otherwise INBOX. */
  create: boolean;
}

export interface PlanVacation {
  handle: string;
  subject?: string;
  from?: string;
  addresses: string[];
  mime: boolean;
  reason: string;
  seconds: number;
}

export interface DeliveryPlan {
  folders: PlanFolder[];
  redirects: string[];
  reject?: { reason: string };
  discard: boolean;
  vacation?: PlanVacation;
  /** The message to store (editheader may have changed it). */
  message: Buffer;
  /** Told to the user in a message of its own in INBOX ("your filter failed: …"). */
  notice?: string;
  /** duplicate ids (RFC 7352) to record once delivery succeeded. */
  duplicates: { key: string; seconds: number }[];
}

/** The safe plan: the message in INBOX, and why the filter could not decide. */
export function inboxPlan(message: Buffer, notice?: string): DeliveryPlan {
  return {
    folders: [{ name: 'INBOX', flags: [], create: false }],
    redirects: [],
    discard: false,
    message,
    notice,
    duplicates: [],
  };
}

/** Whether an action cancels the implicit keep (RFC 5228 §2.10.2). */
function cancelsKeep(action: SieveAction): boolean {
  switch (action.type) {
    case 'keep':
    case 'discard':
    case 'reject':
      return true;
    case 'fileinto':
    case 'redirect':
      return !action.copy;
    default:
      return false;
  }
}

export function planFromResult(
  result: SieveResult,
  original: Buffer,
  limits: { maxRedirects: number },
): DeliveryPlan {
  const message = result.editedMessage ?? original;
  if (result.error) return inboxPlan(original, result.error);
  const plan: DeliveryPlan = {
    folders: [],
    redirects: [],
    discard: false,
    message,
    duplicates: result.duplicates ?? [],
  };
  const notes: string[] = [];
  const addFolder = (name: string, flags: string[], create: boolean) => {
    const existing = plan.folders.find((f) => f.name === name);
    if (existing) existing.flags = [...new Set([...existing.flags, ...flags])];
    else plan.folders.push({ name, flags: [...flags], create });
  };
  for (const action of result.actions) {
    switch (action.type) {
      case 'keep':
        addFolder('INBOX', action.flags ?? [], false);
        break;
      case 'fileinto':
        addFolder(action.mailbox, action.flags ?? [], action.create);
        break;
      case 'redirect': {
        const target = action.address.toLowerCase();
        if (plan.redirects.includes(target)) break;
        if (plan.redirects.length >= limits.maxRedirects)
          notes.push(`redirect to ${action.address} skipped: at most ${limits.maxRedirects} redirects`);
        else plan.redirects.push(target);
        break;
      }
      case 'reject':
        plan.reject = { reason: action.reason };
        break;
      case 'discard':
        plan.discard = true;
        break;
      case 'vacation':
        plan.vacation = {
          handle: action.handle,
          subject: action.subject,
          from: action.from,
          addresses: action.addresses,
          mime: action.mime,
          reason: action.reason,
          seconds: action.seconds,
        };
        break;
    }
  }
  // No action took the message anywhere: the implicit keep files it into INBOX.
  if (!result.actions.some(cancelsKeep)) addFolder('INBOX', [], false);
  // A rejected message is not stored (reject cancels keep; RFC 5429 §2.1); a reject that has a
  // fileinto beside it is an engine error the engine reports, so folders are cleared for safety.
  if (plan.reject) plan.folders = [];
  if (notes.length > 0) plan.notice = notes.join('\n');
  return plan;
}
