import type { DecisionContext } from './context';
import { MINUTE } from './policy';
import type { Action, Signal } from './types';

/** Signal kinds that explain dead letters of a queue when they concern its consumer. */
const CAUSE_KINDS = new Set(['error-rate-spike', 'target-unhealthy', 'heartbeat-missing']);

/**
 * Dead letters in a queue: redriven automatically only once the cause (a failure of the queue's
 * consumer, or the queue backing up) has stayed resolved for a quiet period, and only once per
 * cooldown; otherwise a human is paged with what is known.
 */
export function deadLetterActions(signal: Signal, context: DecisionContext): Action[] {
  const { now, policy, firing, resolved } = context;
  const queue = signal.queue ?? '?';
  const consumer = context.consumerOf(queue);
  const concerns = (s: Signal) =>
    (CAUSE_KINDS.has(s.kind) &&
      consumer !== undefined &&
      (s.service === consumer.name || (s.role !== undefined && consumer.roles.includes(s.role)))) ||
    (s.kind === 'queue-age-high' && s.queue === queue);
  const activeCauses = firing.filter(concerns);
  if (activeCauses.length > 0) {
    return [
      {
        kind: 'page-human',
        severity: 'warning',
        subject: `Dead letters in ${queue} (${signal.value ?? '?'}) while the cause is active`,
        message: `Active: ${activeCauses.map((s) => s.source).join(', ')}. Dead letters are redriven automatically once these stay resolved for ${policy.redriveQuietMs / MINUTE} minutes.`,
        dedupeKey: `dlq-cause-active:${queue}`,
      },
    ];
  }
  const resolvedCauses = resolved.filter(concerns);
  if (resolvedCauses.length === 0) {
    return [
      {
        kind: 'page-human',
        severity: 'warning',
        subject: `Dead letters in ${queue} (${signal.value ?? '?'}) with no known cause`,
        message:
          'No failure of the consumer was observed, so these may be poison messages: inspect them (docs/deploy.md, "Dead letters") and redrive by hand once understood.',
        dedupeKey: `dlq-unexplained:${queue}`,
      },
    ];
  }
  const lastResolved = Math.max(...resolvedCauses.map((s) => s.at));
  if (now - lastResolved < policy.redriveQuietMs) return []; // wait for the quiet period
  const earlier = context.recentActions(
    'redrive-dead-letters',
    (a) => a.kind === 'redrive-dead-letters' && a.queue === queue,
    policy.cooldownMs['redrive-dead-letters'],
  );
  if (earlier.length > 0) {
    return [
      {
        kind: 'page-human',
        severity: 'critical',
        subject: `Dead letters in ${queue} again after an automatic redrive`,
        message:
          'The messages failed again after the cause cleared: likely poison messages. Automation will not redrive again; inspect them.',
        dedupeKey: `dlq-refilled:${queue}`,
      },
    ];
  }
  return [
    {
      kind: 'redrive-dead-letters',
      queue,
      reason: `cause resolved (${resolvedCauses.map((s) => s.source).join(', ')})`,
    },
    {
      kind: 'page-human',
      severity: 'info',
      subject: `Redriving dead letters of ${queue}`,
      message: `${signal.value ?? 'Some'} messages are moved back to ${queue}; the cause cleared ${Math.round((now - lastResolved) / MINUTE)} minutes ago.`,
      dedupeKey: `dlq-redrive:${queue}`,
    },
  ];
}
