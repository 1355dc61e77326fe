import { actionKey, describe } from './actions';
import { MINUTE } from './policy';
import type { Action, ActionRecord, Decision, RecoveryPolicy } from './types';

/** Cooldown/idempotency per key, then the rate limit on disruptive actions. */
export function applyLimits(
  candidates: Action[],
  history: readonly ActionRecord[],
  policy: RecoveryPolicy,
  now: number,
): Decision {
  const actions: ActionRecord[] = [];
  const skipped: { key: string; action: Action; reason: string }[] = [];
  const taken = new Set<string>();
  let disruptive = history.filter(
    (r) => r.action.kind !== 'page-human' && now - r.at <= policy.windowMs,
  ).length;
  const suppressed: Action[] = [];

  for (const action of candidates) {
    const key = actionKey(action);
    if (taken.has(key)) continue;
    const cooldown = policy.cooldownMs[action.kind];
    const previous = history.find((r) => r.key === key && now - r.at < cooldown);
    if (previous) {
      skipped.push({
        key,
        action,
        reason: `cooldown: same action at ${new Date(previous.at).toISOString()}`,
      });
      continue;
    }
    if (action.kind !== 'page-human') {
      if (disruptive >= policy.maxDisruptiveActions) {
        skipped.push({ key, action, reason: 'rate limit' });
        suppressed.push(action);
        continue;
      }
      disruptive += 1;
    }
    taken.add(key);
    actions.push({ key, action, at: now });
  }

  if (suppressed.length > 0) {
    const limitPage: Action = {
      kind: 'page-human',
      severity: 'critical',
      subject: 'Recovery automation rate limit reached',
      message: `More than ${policy.maxDisruptiveActions} actions in ${policy.windowMs / MINUTE} minutes; not performed: ${suppressed.map(describe).join('; ')}.`,
      dedupeKey: 'rate-limit',
    };
    const key = actionKey(limitPage);
    if (
      !history.some((r) => r.key === key && now - r.at < policy.cooldownMs['page-human']) &&
      !taken.has(key)
    ) {
      actions.push({ key, action: limitPage, at: now });
    }
  }
  return { actions, skipped };
}
