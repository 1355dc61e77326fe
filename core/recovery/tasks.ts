/**
 * Rules about tasks and services: an unhealthy target, a node whose heartbeat is missing, a
 * service with no healthy target left.
 */
import { page, queuesConsumedBy, type DecisionContext } from './context';
import { MINUTE } from './policy';
import type { Action, Signal } from './types';

export function unhealthyTargetActions(signal: Signal, context: DecisionContext): Action[] {
  const { firing, policy } = context;
  const service = context.serviceFor(signal);
  if (!service || !signal.taskId) {
    return [
      page(
        'warning',
        `Unhealthy targets in ${signal.service ?? signal.role ?? '?'}`,
        signal,
        'the task could not be identified; the load balancer has taken it out of rotation',
      ),
    ];
  }
  const unhealthyTasks = new Set(
    firing
      .filter(
        (s) => s.kind === 'target-unhealthy' && context.serviceFor(s)?.name === service.name && s.taskId,
      )
      .map((s) => s.taskId),
  );
  const running = Math.max(service.runningCount, 1);
  if (unhealthyTasks.size >= 2 && unhealthyTasks.size > policy.maxUnhealthyFraction * running) {
    return [
      {
        kind: 'page-human',
        severity: 'critical',
        subject: `${service.name}: ${unhealthyTasks.size} of ${running} tasks unhealthy`,
        message:
          'Most tasks of the service fail health checks at once: this is systemic (database, store, bad deployment), so automation is not replacing them.',
        dedupeKey: `systemic:${service.name}`,
      },
    ];
  }
  const replacements = context.recentActions(
    'replace-task',
    (a) => a.kind === 'replace-task' && a.service === service.name,
    policy.replacementLoopMs,
  );
  if (replacements.length >= policy.replacementLoopCount) {
    return [
      {
        kind: 'page-human',
        severity: 'critical',
        subject: `${service.name}: replacement loop`,
        message: `${replacements.length} tasks replaced in the last ${policy.replacementLoopMs / MINUTE} minutes and targets are still failing; automation stopped replacing.`,
        dedupeKey: `replacement-loop:${service.name}`,
      },
    ];
  }
  return [
    {
      kind: 'replace-task',
      service: service.name,
      taskId: signal.taskId,
      reason: `target unhealthy (${signal.source})`,
    },
  ];
}

/**
 * A peer reported a node's heartbeat missing. The event never resolves, so it is acted on once:
 * the node is noted dead once, its task replaced once. A pure queue consumer (an `mta` task) has
 * no load balancer health check; a task that stopped heartbeating is stopped only when the queue
 * it consumes is backing up — a consumer whose SQL heartbeat failed while the queue drains is
 * still doing its work, and stopping it would abort its SMTP transactions for nothing.
 */
export function heartbeatActions(signal: Signal, context: DecisionContext): Action[] {
  const { now, policy } = context;
  if (now - signal.at > policy.heartbeatMaxAgeMs) return [];
  const out: Action[] = [];
  const everDone = (match: (a: Action) => boolean) => context.actionHistory.some((r) => match(r.action));
  if (signal.nodeId && !everDone((a) => a.kind === 'mark-node-dead' && a.nodeId === signal.nodeId)) {
    out.push({
      kind: 'mark-node-dead',
      nodeId: signal.nodeId,
      reason: `heartbeat missing (${signal.source})`,
    });
  }
  const service = context.serviceFor(signal);
  if (!service || !signal.taskId) {
    if (!signal.nodeId)
      out.push(page('warning', 'Node heartbeat missing', signal, 'the node could not be identified'));
    return out;
  }
  if (everDone((a) => a.kind === 'replace-task' && a.taskId === signal.taskId)) return out;
  const consumed = queuesConsumedBy(service, context.queueConsumers);
  const queueOnly = service.roles.every((role) => Object.values(context.queueConsumers).includes(role));
  if (queueOnly && consumed.length > 0) {
    const aging = context.firing.some(
      (s) => s.kind === 'queue-age-high' && s.queue !== undefined && consumed.includes(s.queue),
    );
    if (!aging) {
      out.push({
        kind: 'page-human',
        severity: 'warning',
        subject: `${service.name}: task ${signal.taskId} missed its heartbeat`,
        message: `The ${consumed.join('/')} queue is not backing up, so the task is left running; it is stopped automatically if the queue ages within ${policy.heartbeatMaxAgeMs / MINUTE} minutes.`,
        dedupeKey: `heartbeat-wait:${signal.taskId}`,
      });
      return out;
    }
  }
  out.push({
    kind: 'replace-task',
    service: service.name,
    taskId: signal.taskId,
    reason: queueOnly ? 'heartbeat missing while its queue ages (stuck consumer)' : 'heartbeat missing',
  });
  return out;
}

/**
 * No healthy target left: the service is down. One forced redeployment (fresh tasks, same task
 * definition; with minimum healthy 100 % the old tasks stay until new ones pass their health
 * checks, so it cannot lower capacity) — unless a deployment is already under way (the circuit
 * breaker is rolling back) or a redeployment during this outage did not help: then only humans.
 */
export function noHealthyTargetActions(signal: Signal, context: DecisionContext): Action[] {
  const service = context.serviceFor(signal);
  const down = (why: string, dedupeKey?: string): Action => {
    const base = page(
      'critical',
      `${signal.service ?? signal.role ?? '?'}: no healthy target — service down`,
      signal,
      `the load balancer has no healthy task to send connections to. ${why}`,
    );
    return dedupeKey ? { ...base, dedupeKey } : base;
  };
  if (!service) return [down('The service is unknown to automation.')];
  if (service.deploying) {
    return [
      down(
        'A deployment is under way; its circuit breaker rolls a failing release back, so automation does not redeploy',
      ),
    ];
  }
  const redeployed = context.actionHistory.some(
    (r) =>
      r.action.kind === 'redeploy-service' &&
      r.action.service === service.name &&
      (r.at >= signal.at || context.now - r.at < context.policy.cooldownMs['redeploy-service']),
  );
  if (redeployed) {
    return [
      down(
        'A forced redeployment during this outage did not bring it back: automation stops here',
        `redeploy-failed:${service.name}`,
      ),
    ];
  }
  return [
    { kind: 'redeploy-service', service: service.name, reason: `no healthy targets (${signal.source})` },
    down(`Automation forces one new deployment of ${service.name}`),
  ];
}
