/**
 * Scaling rules. Application Auto Scaling owns each service's desired count; recovery only raises
 * the scalable target's minimum (the autoscaler adds the tasks at once) and later gives the
 * configured minimum back, so the two never fight over the count.
 */
import { latestAction, queuesConsumedBy, type DecisionContext } from './context';
import type { Action, Signal } from './types';

export function queueAgeActions(signal: Signal, context: DecisionContext): Action[] {
  const service = signal.queue ? context.consumerOf(signal.queue) : context.serviceFor(signal);
  if (!service) {
    return [
      {
        kind: 'page-human',
        severity: 'warning',
        subject: `Spool queue ${signal.queue ?? '?'} is backing up`,
        message: `${signal.message ?? signal.source}: no consuming service is known.`,
        dedupeKey: `${signal.kind}:${signal.source}`,
      },
    ];
  }
  if (service.desiredCount >= service.maxCount) {
    return [
      {
        kind: 'page-human',
        severity: 'critical',
        subject: `Spool queue ${signal.queue ?? ''} backing up; ${service.name} at maximum (${service.maxCount})`,
        message:
          'Raise maxTasks for the service in infra/config/stages.ts, or look for a stuck consumer or a slow dependency.',
        dedupeKey: `queue-at-max:${signal.queue ?? service.name}`,
      },
    ];
  }
  return [
    {
      kind: 'scale-out',
      service: service.name,
      fromCount: service.desiredCount,
      minCapacity: Math.min(service.maxCount, service.desiredCount + context.policy.scaleStep),
      reason: `spool queue ${signal.queue ?? ''} age ${signal.value ?? '?'} s above threshold`,
    },
  ];
}

/**
 * The minimum recovery raised is given back once none of the service's queues is aging any
 * more — also when the resolve was lost and the firing signal aged out, so a raised floor
 * never stays behind.
 */
export function restoreMinimumActions(context: DecisionContext): Action[] {
  const out: Action[] = [];
  for (const service of context.services) {
    const lastOut = latestAction(
      context.actionHistory,
      (a) => a.kind === 'scale-out' && a.service === service.name,
    );
    if (!lastOut) continue;
    const lastIn = latestAction(
      context.actionHistory,
      (a) => a.kind === 'scale-in' && a.service === service.name,
    );
    if (lastIn && lastIn.at >= lastOut.at) continue;
    const queues = queuesConsumedBy(service, context.queueConsumers);
    const aging = context.firing.some(
      (s) =>
        s.kind === 'queue-age-high' &&
        (s.queue ? queues.includes(s.queue) : context.serviceFor(s)?.name === service.name),
    );
    if (aging) continue;
    const cleared = context.resolved.filter(
      (s) => s.kind === 'queue-age-high' && s.queue !== undefined && queues.includes(s.queue),
    );
    out.push({
      kind: 'scale-in',
      service: service.name,
      minCapacity: service.minCount,
      reason:
        cleared.length > 0
          ? `spool queue ${cleared.map((s) => s.queue).join(', ')} backlog cleared`
          : 'no queue of the service is aging any more',
    });
  }
  return out;
}
