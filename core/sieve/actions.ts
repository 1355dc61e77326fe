/**
 * Adding an action with RFC 5228 §2.10 rules: identical fileinto/redirect/keep happen once,
 * fileinto/redirect/discard/reject cancel the implicit keep (not with :copy), and the
 * incompatibilities of RFC 5429 §2.1 (reject with keep, fileinto, redirect or vacation).
 */
import { SieveRuntimeError, type Runtime } from './runtime';
import type { Pos, SieveAction } from './types';

const DELIVERING = new Set(['keep', 'fileinto', 'redirect', 'vacation']);

function same(a: SieveAction, b: SieveAction): boolean {
  if (a.type === 'keep' && b.type === 'keep') return true;
  if (a.type === 'discard' && b.type === 'discard') return true;
  if (a.type === 'fileinto' && b.type === 'fileinto')
    return a.mailbox === b.mailbox && a.mailboxId === b.mailboxId;
  if (a.type === 'redirect' && b.type === 'redirect')
    return a.address.toLowerCase() === b.address.toLowerCase();
  return false;
}

export function perform(rt: Runtime, action: SieveAction, pos: Pos): void {
  const done = rt.performed;
  if (action.type === 'reject') {
    const other = done.find((p) => p.action.type === 'reject' || DELIVERING.has(p.action.type));
    if (other) {
      throw new SieveRuntimeError(
        `reject conflicts with ${other.action.type} (line ${other.pos.line}) at line ${pos.line}`,
      );
    }
  } else if (DELIVERING.has(action.type)) {
    const reject = done.find((p) => p.action.type === 'reject');
    if (reject) {
      throw new SieveRuntimeError(
        `${action.type} at line ${pos.line} conflicts with reject (line ${reject.pos.line})`,
      );
    }
  }
  if (action.type === 'vacation' && done.some((p) => p.action.type === 'vacation')) {
    throw new SieveRuntimeError(`a second vacation at line ${pos.line}`);
  }
  if (action.type === 'redirect') {
    const redirects = done.filter((p) => p.action.type === 'redirect').length;
    if (!done.some((p) => same(p.action, action)) && redirects >= rt.limits.maxRedirects) {
      throw new SieveRuntimeError(`more than ${rt.limits.maxRedirects} redirects`);
    }
  }
  const cancels =
    action.type === 'discard' ||
    action.type === 'reject' ||
    action.type === 'keep' ||
    ((action.type === 'fileinto' || action.type === 'redirect') && !action.copy);
  if (cancels) rt.implicitKeep = false;
  if (done.some((p) => same(p.action, action))) return;
  rt.add(action, pos);
}

/** The final list: the actions plus the implicit keep when nothing cancelled it. */
export function finalActions(rt: Runtime): SieveAction[] {
  const actions = rt.actions();
  if (rt.implicitKeep) actions.push({ type: 'keep', flags: [...rt.flags] });
  return actions;
}
