import { deadLetterActions } from './dead-letters';
import { applyLimits } from './limits';
import { DEFAULT_POLICY, MINUTE } from './policy';
import type {
  Action,
  ActionKind,
  ActionRecord,
  Decision,
  RecoveryInput,
  RecoveryPolicy,
  ServiceState,
  Signal,
} from './types';

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
  const candidates: Action[] = [];

  const serviceFor = (signal: Signal): ServiceState | undefined =>
    input.services.find((s) => s.name === signal.service) ??
    (signal.role ? input.services.find((s) => s.roles.includes(signal.role!)) : undefined);
  const consumerOf = (queue: string): ServiceState | undefined => {
    const role = input.queueConsumers[queue];
    return role ? input.services.find((s) => s.roles.includes(role)) : undefined;
  };
  const recentActions = (kind: ActionKind, match: (a: Action) => boolean, sinceMs: number) =>
    input.actionHistory.filter((r) => r.action.kind === kind && now - r.at <= sinceMs && match(r.action));

  for (const signal of firing) {
    switch (signal.kind) {
      case 'target-unhealthy': {
        const service = serviceFor(signal);
        if (!service || !signal.taskId) {
          candidates.push(
            page(
              'warning',
              `Unhealthy targets in ${signal.service ?? signal.role ?? '?'}`,
              signal,
              'the task could not be identified; the load balancer has taken it out of rotation',
            ),
          );
          break;
        }
        const unhealthyTasks = new Set(
          firing
            .filter((s) => s.kind === 'target-unhealthy' && serviceFor(s)?.name === service.name && s.taskId)
            .map((s) => s.taskId),
        );
        const running = Math.max(service.runningCount, 1);
        if (unhealthyTasks.size >= 2 && unhealthyTasks.size > policy.maxUnhealthyFraction * running) {
          candidates.push({
            kind: 'page-human',
            severity: 'critical',
            subject: `${service.name}: ${unhealthyTasks.size} of ${running} tasks unhealthy`,
            message:
              'Most tasks of the service fail health checks at once: this is systemic (database, store, bad deployment), so automation is not replacing them.',
            dedupeKey: `systemic:${service.name}`,
          });
          break;
        }
        const replacements = recentActions(
          'replace-task',
          (a) => a.kind === 'replace-task' && a.service === service.name,
          policy.replacementLoopMs,
        );
        if (replacements.length >= policy.replacementLoopCount) {
          candidates.push({
            kind: 'page-human',
            severity: 'critical',
            subject: `${service.name}: replacement loop`,
            message: `${replacements.length} tasks replaced in the last ${policy.replacementLoopMs / MINUTE} minutes and targets are still failing; automation stopped replacing.`,
            dedupeKey: `replacement-loop:${service.name}`,
          });
          break;
        }
        candidates.push({
          kind: 'replace-task',
          service: service.name,
          taskId: signal.taskId,
          reason: `target unhealthy (${signal.source})`,
        });
        break;
      }

      case 'heartbeat-missing': {
        if (signal.nodeId) {
          candidates.push({
            kind: 'mark-node-dead',
            nodeId: signal.nodeId,
            reason: `heartbeat missing (${signal.source})`,
          });
        }
        const service = serviceFor(signal);
        if (service && signal.taskId) {
          candidates.push({
            kind: 'replace-task',
            service: service.name,
            taskId: signal.taskId,
            reason: 'heartbeat missing',
          });
        }
        if (!signal.nodeId && !signal.taskId) {
          candidates.push(
            page('warning', 'Node heartbeat missing', signal, 'the node could not be identified'),
          );
        }
        break;
      }

      case 'queue-age-high': {
        const service = signal.queue ? consumerOf(signal.queue) : serviceFor(signal);
        if (!service) {
          candidates.push(
            page(
              'warning',
              `Spool queue ${signal.queue ?? '?'} is backing up`,
              signal,
              'no consuming service is known',
            ),
          );
          break;
        }
        if (service.desiredCount >= service.maxCount) {
          candidates.push({
            kind: 'page-human',
            severity: 'critical',
            subject: `Spool queue ${signal.queue ?? ''} backing up; ${service.name} at maximum (${service.maxCount})`,
            message:
              'Raise maxTasks for the service in infra/config/stages.ts, or look for a stuck consumer or a slow dependency.',
            dedupeKey: `queue-at-max:${signal.queue ?? service.name}`,
          });
          break;
        }
        const desired = Math.min(service.maxCount, service.desiredCount + policy.scaleStep);
        candidates.push({
          kind: 'scale-out',
          service: service.name,
          fromCount: service.desiredCount,
          desiredCount: desired,
          reason: `spool queue ${signal.queue ?? ''} age ${signal.value ?? '?'} s above threshold`,
        });
        break;
      }

      case 'dlq-not-empty':
        candidates.push(
          ...deadLetterActions(signal, { now, policy, firing, resolved, consumerOf, recentActions }),
        );
        break;

      case 'error-rate-spike':
        candidates.push(
          page(
            'warning',
            `Error rate spike: ${signal.role ?? signal.service ?? signal.source}`,
            signal,
            'automation does not act on error rates; see the dashboard',
          ),
        );
        break;

      case 'alarm':
        break; // the alarm itself already reached the humans' topic
    }
  }

  // A backlog that cleared: return what recovery added (Application Auto Scaling keeps its own floor).
  for (const signal of resolved) {
    if (signal.kind !== 'queue-age-high' || !signal.queue) continue;
    const service = consumerOf(signal.queue);
    if (!service) continue;
    const lastOut = latestAction(
      input.actionHistory,
      (a) => a.kind === 'scale-out' && a.service === service.name,
    );
    const lastIn = latestAction(
      input.actionHistory,
      (a) => a.kind === 'scale-in' && a.service === service.name,
    );
    if (!lastOut || lastOut.action.kind !== 'scale-out' || (lastIn && lastIn.at >= lastOut.at)) continue;
    if (lastOut.at > signal.at) continue; // scaled out after the resolve: a newer backlog
    const desired = Math.max(service.minCount, Math.min(service.desiredCount, lastOut.action.fromCount));
    if (desired >= service.desiredCount) continue;
    candidates.push({
      kind: 'scale-in',
      service: service.name,
      fromCount: service.desiredCount,
      desiredCount: desired,
      reason: `spool queue ${signal.queue} backlog cleared`,
    });
  }

  return applyLimits(candidates, input.actionHistory, policy, now);
}

function page(severity: 'warning' | 'critical', subject: string, signal: Signal, why: string): Action {
  return {
    kind: 'page-human',
    severity,
    subject,
    message: `${signal.message ?? signal.source}: ${why}.`,
    dedupeKey: `${signal.kind}:${signal.source}`,
  };
}

function latestAction(
  history: readonly ActionRecord[],
  match: (a: Action) => boolean,
): ActionRecord | undefined {
  let latest: ActionRecord | undefined;
  for (const record of history)
    if (match(record.action) && (!latest || record.at > latest.at)) latest = record;
  return latest;
}
