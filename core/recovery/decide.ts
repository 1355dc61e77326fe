import type { DecisionContext } from './context';
import { deadLetterActions } from './dead-letters';
import { applyLimits } from './limits';
import { DEFAULT_POLICY } from './policy';
import { queueAgeActions, restoreMinimumActions } from './scaling';
import { heartbeatActions, noHealthyTargetActions, unhealthyTargetActions } from './tasks';
import type { Action, ActionKind, Decision, RecoveryInput, RecoveryPolicy, Signal } from './types';
import { describe } from './actions';

export { actionKey, describe } from './actions';
export { DEFAULT_POLICY } from './policy';

/** The current state of every condition: the latest signal per source (ties: the later in the list). */
export function currentSignals(history: readonly Signal[], incoming: readonly Signal[]): Signal[] {
  const latest = new Map<string, Signal>();
  for (const signal of [...history, ...incoming]) {
    const known = latest.get(signal.source);
    if (!known || signal.at >= known.at) latest.set(signal.source, signal);
  }
  return [...latest.values()].sort((a, b) => a.at - b.at);
}

/**
 * While a database alarm fires, these are held back: replacing tasks, redeploying and scaling out
 * all open new connections to a database that is already the bottleneck, and redriven dead
 * letters would fail again. Scale-in and notes stay allowed (they only remove load).
 */
const HELD_DURING_DATABASE_TROUBLE = new Set<ActionKind>([
  'replace-task',
  'redeploy-service',
  'scale-out',
  'redrive-dead-letters',
]);

/**
 * Decide what to do about the cluster's current health signals. Pure and deterministic: the same
 * input gives the same output, and feeding back the returned actions as history makes a repeat
 * of the same signals a no-op until the cooldowns expire.
 */
export function decide(input: RecoveryInput): Decision {
  const policy: RecoveryPolicy = {
    ...DEFAULT_POLICY,
    ...input.policy,
    cooldownMs: { ...DEFAULT_POLICY.cooldownMs, ...input.policy?.cooldownMs },
  };
  const { now } = input;
  const all = currentSignals(input.signalHistory, input.signals).filter(
    (s) => now - s.at <= policy.signalMaxAgeMs,
  );
  const firing = all.filter((s) => s.state === 'firing');
  const resolved = all.filter((s) => s.state === 'resolved');
  const context: DecisionContext = {
    now,
    policy,
    firing,
    resolved,
    actionHistory: input.actionHistory,
    services: input.services,
    queueConsumers: input.queueConsumers,
    serviceFor: (signal) =>
      input.services.find((s) => s.name === signal.service) ??
      (signal.role ? input.services.find((s) => s.roles.includes(signal.role!)) : undefined),
    consumerOf: (queue) => {
      const role = input.queueConsumers[queue];
      return role ? input.services.find((s) => s.roles.includes(role)) : undefined;
    },
    recentActions: (kind, match, sinceMs) =>
      input.actionHistory.filter((r) => r.action.kind === kind && now - r.at <= sinceMs && match(r.action)),
  };

  const candidates: Action[] = [];
  for (const signal of firing) {
    switch (signal.kind) {
      case 'target-unhealthy':
        candidates.push(...unhealthyTargetActions(signal, context));
        break;
      case 'heartbeat-missing':
        candidates.push(...heartbeatActions(signal, context));
        break;
      case 'no-healthy-targets':
        candidates.push(...noHealthyTargetActions(signal, context));
        break;
      case 'queue-age-high':
        candidates.push(...queueAgeActions(signal, context));
        break;
      case 'dlq-not-empty':
        candidates.push(...deadLetterActions(signal, context));
        break;
      case 'error-rate-spike':
        candidates.push({
          kind: 'page-human',
          severity: 'warning',
          subject: `Error rate spike: ${signal.role ?? signal.service ?? signal.source}`,
          message: `${signal.message ?? signal.source}: automation does not act on error rates; see the dashboard.`,
          dedupeKey: `${signal.kind}:${signal.source}`,
        });
        break;
      case 'database':
      case 'alarm':
        break; // the alarm itself already reached the humans' topic
    }
  }
  candidates.push(...restoreMinimumActions(context));

  return applyLimits(holdDuringDatabaseTrouble(candidates, firing), input.actionHistory, policy, now);
}

function holdDuringDatabaseTrouble(candidates: Action[], firing: readonly Signal[]): Action[] {
  const database = firing.filter((s) => s.kind === 'database');
  if (database.length === 0) return candidates;
  const held = candidates.filter((a) => HELD_DURING_DATABASE_TROUBLE.has(a.kind));
  if (held.length === 0) return candidates;
  return [
    ...candidates.filter((a) => !HELD_DURING_DATABASE_TROUBLE.has(a.kind)),
    {
      kind: 'page-human',
      severity: 'critical',
      subject: 'Recovery automation held back: database alarm firing',
      message: `Firing: ${database.map((s) => s.source).join(', ')}. Not performed while it fires (new tasks and connections would add load to the bottleneck): ${held.map(describe).join('; ')}.`,
      dedupeKey: 'database-hold',
    },
  ];
}
