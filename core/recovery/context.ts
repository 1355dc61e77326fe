import type { Action, ActionKind, ActionRecord, RecoveryPolicy, ServiceState, Signal } from './types';

/** What every decision rule may look at: the current signals, the services, the action history. */
export interface DecisionContext {
  readonly now: number;
  readonly policy: RecoveryPolicy;
  readonly firing: readonly Signal[];
  readonly resolved: readonly Signal[];
  readonly actionHistory: readonly ActionRecord[];
  readonly services: readonly ServiceState[];
  readonly queueConsumers: Readonly<Record<string, string>>;
  serviceFor(signal: Signal): ServiceState | undefined;
  consumerOf(queue: string): ServiceState | undefined;
  recentActions(kind: ActionKind, match: (a: Action) => boolean, sinceMs: number): ActionRecord[];
}

export type PageAction = Extract<Action, { kind: 'page-human' }>;

/** A page about one signal, deduplicated per signal source. */
export function page(
  severity: 'warning' | 'critical' | 'info',
  subject: string,
  signal: Signal,
  why: string,
): PageAction {
  return {
    kind: 'page-human',
    severity,
    subject,
    message: `${signal.message ?? signal.source}: ${why}.`,
    dedupeKey: `${signal.kind}:${signal.source}`,
  };
}

export function latestAction(
  history: readonly ActionRecord[],
  match: (a: Action) => boolean,
): ActionRecord | undefined {
  let latest: ActionRecord | undefined;
  for (const record of history)
    if (match(record.action) && (!latest || record.at > latest.at)) latest = record;
  return latest;
}

/** Queues whose consuming role the service runs. */
export function queuesConsumedBy(
  service: ServiceState,
  queueConsumers: Readonly<Record<string, string>>,
): string[] {
  return Object.entries(queueConsumers)
    .filter(([, role]) => service.roles.includes(role))
    .map(([queue]) => queue);
}
