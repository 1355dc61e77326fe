import { DEFAULT_POLICY, decide, describe } from '../../core/recovery/decide';
import type { Action, ActionRecord, Decision, ServiceState, Signal } from '../../core/recovery/types';
import { eventToSignals, type RawSignal, type RecoveryEvent } from './events';
import type { RecoveryActuator, RecoveryConfig, ServiceConfig } from './ports';

const HISTORY_MS = 24 * 60 * 60 * 1000;

export interface RecoveryReport {
  readonly signals: readonly Signal[];
  readonly performed: readonly { key: string; description: string }[];
  readonly failed: readonly { key: string; description: string; error: string }[];
  readonly skipped: Decision['skipped'];
}

/**
 * One invocation: event → signals (pinned to tasks where an alarm names a target group) → decision
 * by core/recovery → actions, each claimed first so that concurrent invocations act once.
 */
export async function recover(
  event: RecoveryEvent,
  config: RecoveryConfig,
  actuator: RecoveryActuator,
  now: number = Date.now(),
): Promise<RecoveryReport> {
  const history = await actuator.loadHistory(now - HISTORY_MS);
  const signals = await pinToTasks(eventToSignals(event, now), history.signals, config, actuator);

  const runtime = await actuator.describeServices(config.services.map((s) => s.ecsServiceName));
  const services: ServiceState[] = config.services.map((s) => ({
    name: s.name,
    roles: s.roles,
    minCount: s.minCount,
    maxCount: s.maxCount,
    desiredCount: runtime[s.ecsServiceName]?.desired ?? s.minCount,
    runningCount: runtime[s.ecsServiceName]?.running ?? 0,
    deploying: runtime[s.ecsServiceName]?.deploying ?? false,
  }));

  const decision = decide({
    now,
    signals,
    signalHistory: history.signals,
    actionHistory: history.actions,
    services,
    queueConsumers: config.queueConsumers,
  });
  if (signals.length > 0) await actuator.recordSignals(signals);

  const performed: { key: string; description: string }[] = [];
  const failed: { key: string; description: string; error: string }[] = [];
  for (const record of decision.actions) {
    const until = now + DEFAULT_POLICY.cooldownMs[record.action.kind];
    if (!(await actuator.claim(record, until))) continue; // another invocation has it
    try {
      await perform(record, config, actuator);
      performed.push({ key: record.key, description: describe(record.action) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failed.push({ key: record.key, description: describe(record.action), error: message });
      if (record.action.kind !== 'page-human') {
        await actuator
          .publish(subject(config, 'critical', `recovery action failed: ${describe(record.action)}`), message)
          .catch(() => undefined);
      }
    }
  }
  return { signals, performed, failed, skipped: decision.skipped };
}

/**
 * A target-unhealthy alarm names a target group, not a task: ask the load balancer which targets
 * fail and report one signal per task. When the alarm clears, every task signal it raised clears.
 */
async function pinToTasks(
  raw: RawSignal[],
  history: readonly Signal[],
  config: RecoveryConfig,
  actuator: RecoveryActuator,
): Promise<Signal[]> {
  const out: Signal[] = [];
  for (const signal of raw) {
    const { targetGroupArn, ...plain } = signal;
    if (signal.kind !== 'target-unhealthy') {
      out.push(plain);
      continue;
    }
    if (signal.state === 'resolved') {
      out.push(plain);
      const firingChildren = latestBySource(history).filter(
        (s) => s.source.startsWith(`${signal.source}/`) && s.state === 'firing',
      );
      for (const child of firingChildren) out.push({ ...child, state: 'resolved', at: signal.at });
      continue;
    }
    const service = findService(config, signal);
    const taskIds =
      service && targetGroupArn ? await actuator.unhealthyTasks(targetGroupArn, service.ecsServiceName) : [];
    if (taskIds.length === 0) {
      // Already drained or replaced by ECS: nothing to pin; keep it on record only.
      out.push({ ...plain, kind: 'alarm' });
      continue;
    }
    for (const taskId of taskIds) {
      out.push({ ...plain, source: `${signal.source}/${taskId}`, taskId, service: service?.name });
    }
  }
  return out;
}

function latestBySource(signals: readonly Signal[]): Signal[] {
  const latest = new Map<string, Signal>();
  for (const s of signals) if ((latest.get(s.source)?.at ?? -1) <= s.at) latest.set(s.source, s);
  return [...latest.values()];
}

function findService(config: RecoveryConfig, signal: Signal): ServiceConfig | undefined {
  return (
    config.services.find((s) => s.name === signal.service) ??
    (signal.role ? config.services.find((s) => s.roles.includes(signal.role!)) : undefined)
  );
}

function ecsName(config: RecoveryConfig, service: string): string {
  const found = config.services.find((s) => s.name === service);
  if (!found) throw new Error(`unknown service ${service}`);
  return found.ecsServiceName;
}

function subject(config: RecoveryConfig, severity: string, text: string): string {
  return `[nimbus-${config.stage}] ${severity.toUpperCase()}: ${text}`.slice(0, 99);
}

async function perform(
  record: ActionRecord,
  config: RecoveryConfig,
  actuator: RecoveryActuator,
): Promise<void> {
  const action: Action = record.action;
  switch (action.kind) {
    case 'replace-task':
      return actuator.stopTask(action.taskId, `nimbus recovery: ${action.reason}`.slice(0, 255));
    case 'scale-out':
    case 'scale-in':
      return actuator.setMinimumCapacity(ecsName(config, action.service), action.minCapacity);
    case 'redeploy-service':
      return actuator.redeployService(ecsName(config, action.service));
    case 'mark-node-dead':
      // The peer that reported the node already declared it dead in SQL and released its spool
      // leases; this is the note for humans. Stopping its task is a separate, logged decision.
      return actuator.publish(
        subject(config, 'info', `node ${action.nodeId} declared dead`),
        `${action.reason}. A peer declared it dead in the cluster registry and released its spool leases; see the recovery log for whether its task is replaced.`,
      );
    case 'redrive-dead-letters': {
      const queue = config.queues[action.queue];
      if (!queue) throw new Error(`unknown queue ${action.queue}`);
      return actuator.redrive(queue.deadLetterQueueArn, queue.queueArn);
    }
    case 'page-human':
      return actuator.publish(subject(config, action.severity, action.subject), action.message);
  }
}
