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

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_POLICY: RecoveryPolicy = {
  cooldownMs: {
    'replace-task': 15 * MINUTE,
    'scale-out': 10 * MINUTE,
    'scale-in': 30 * MINUTE,
    'mark-node-dead': HOUR,
    'redrive-dead-letters': 6 * HOUR,
    'page-human': HOUR,
  },
  maxDisruptiveActions: 6,
  windowMs: 15 * MINUTE,
  scaleStep: 2,
  maxUnhealthyFraction: 0.5,
  replacementLoopCount: 3,
  replacementLoopMs: 30 * MINUTE,
  redriveQuietMs: 15 * MINUTE,
  signalMaxAgeMs: 24 * HOUR,
};

/** Signal kinds that explain dead letters of a queue when they concern its consumer. */
const CAUSE_KINDS = new Set(['error-rate-spike', 'target-unhealthy', 'heartbeat-missing']);

/** The idempotency key of an action: same key within the cooldown → not repeated. */
export function actionKey(action: Action): string {
  switch (action.kind) {
    case 'replace-task':
      return `replace-task:${action.service}:${action.taskId}`;
    case 'scale-out':
    case 'scale-in':
      return `${action.kind}:${action.service}`;
    case 'mark-node-dead':
      return `mark-node-dead:${action.nodeId}`;
    case 'redrive-dead-letters':
      return `redrive-dead-letters:${action.queue}`;
    case 'page-human':
      return `page-human:${action.dedupeKey}`;
  }
}

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

      case 'dlq-not-empty': {
        const queue = signal.queue ?? '?';
        const consumer = consumerOf(queue);
        const concerns = (s: Signal) =>
          (CAUSE_KINDS.has(s.kind) &&
            consumer !== undefined &&
            (s.service === consumer.name || (s.role !== undefined && consumer.roles.includes(s.role)))) ||
          (s.kind === 'queue-age-high' && s.queue === queue);
        const activeCauses = firing.filter(concerns);
        if (activeCauses.length > 0) {
          candidates.push({
            kind: 'page-human',
            severity: 'warning',
            subject: `Dead letters in ${queue} (${signal.value ?? '?'}) while the cause is active`,
            message: `Active: ${activeCauses.map((s) => s.source).join(', ')}. Dead letters are redriven automatically once these stay resolved for ${policy.redriveQuietMs / MINUTE} minutes.`,
            dedupeKey: `dlq-cause-active:${queue}`,
          });
          break;
        }
        const resolvedCauses = resolved.filter(concerns);
        if (resolvedCauses.length === 0) {
          candidates.push({
            kind: 'page-human',
            severity: 'warning',
            subject: `Dead letters in ${queue} (${signal.value ?? '?'}) with no known cause`,
            message:
              'No failure of the consumer was observed, so these may be poison messages: inspect them (docs/deploy.md, "Dead letters") and redrive by hand once understood.',
            dedupeKey: `dlq-unexplained:${queue}`,
          });
          break;
        }
        const lastResolved = Math.max(...resolvedCauses.map((s) => s.at));
        if (now - lastResolved < policy.redriveQuietMs) break; // wait for the quiet period
        const earlier = recentActions(
          'redrive-dead-letters',
          (a) => a.kind === 'redrive-dead-letters' && a.queue === queue,
          policy.cooldownMs['redrive-dead-letters'],
        );
        if (earlier.length > 0) {
          candidates.push({
            kind: 'page-human',
            severity: 'critical',
            subject: `Dead letters in ${queue} again after an automatic redrive`,
            message:
              'The messages failed again after the cause cleared: likely poison messages. Automation will not redrive again; inspect them.',
            dedupeKey: `dlq-refilled:${queue}`,
          });
          break;
        }
        candidates.push({
          kind: 'redrive-dead-letters',
          queue,
          reason: `cause resolved (${resolvedCauses.map((s) => s.source).join(', ')})`,
        });
        candidates.push({
          kind: 'page-human',
          severity: 'info',
          subject: `Redriving dead letters of ${queue}`,
          message: `${signal.value ?? 'Some'} messages are moved back to ${queue}; the cause cleared ${Math.round((now - lastResolved) / MINUTE)} minutes ago.`,
          dedupeKey: `dlq-redrive:${queue}`,
        });
        break;
      }

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

/** Cooldown/idempotency per key, then the rate limit on disruptive actions. */
function applyLimits(
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

export function describe(action: Action): string {
  switch (action.kind) {
    case 'replace-task':
      return `replace task ${action.taskId} of ${action.service}`;
    case 'scale-out':
    case 'scale-in':
      return `${action.kind} ${action.service} ${action.fromCount} → ${action.desiredCount}`;
    case 'mark-node-dead':
      return `mark node ${action.nodeId} dead`;
    case 'redrive-dead-letters':
      return `redrive dead letters of ${action.queue}`;
    case 'page-human':
      return `page (${action.severity}): ${action.subject}`;
  }
}
