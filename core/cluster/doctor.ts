import {
  decide,
  describe,
  type Action,
  type ActionRecord,
  type Decision,
  type ServiceState,
  type Signal,
} from '../recovery';
import type { Spool } from '../ports/spool';
import { QUEUE_NAMES } from '../ports/spool';
import type { SqlExecutor } from '../ports/sql';
import { ClusterRegistry, DEAD_AFTER_INTERVALS, type ClusterNode } from './registry';

/** Spool queue → the role that consumes it. */
export const QUEUE_CONSUMERS: Record<string, string> = { inbound: 'delivery', outbound: 'mta' };

export interface DoctorOptions {
  /** The oldest job of a queue older than this is a backlog (seconds). */
  queueAgeSeconds?: number;
  /** A cause must stay resolved this long before dead letters are retried (ms). */
  redriveQuietMs?: number;
  now?: number;
}

export interface Findings {
  nodes: ClusterNode[];
  /** Conditions that hold right now (firing), from SQL. */
  current: Signal[];
  services: ServiceState[];
}

/** Health signals from SQL: dead nodes (heartbeat missing), queue age, dead letters. */
export async function gatherSignals(
  db: SqlExecutor,
  spool: Spool,
  options: DoctorOptions = {},
): Promise<Findings> {
  const now = options.now ?? Date.now();
  const queueAge = options.queueAgeSeconds ?? 900;
  const nodes = await new ClusterRegistry(db).list();
  const current: Signal[] = [];
  for (const node of nodes) {
    if (node.health !== 'dead') continue;
    const expiredAt = node.heartbeatAt.getTime() + DEAD_AFTER_INTERVALS * node.heartbeatSeconds * 1000;
    current.push({
      kind: 'heartbeat-missing',
      state: 'firing',
      at: node.deadAt?.getTime() ?? Math.min(now, expiredAt),
      source: `heartbeat:${node.id}`,
      nodeId: node.id,
      role: node.roles.includes('delivery') ? 'delivery' : node.roles.includes('mta') ? 'mta' : node.roles[0],
      message: `no heartbeat for ${node.heartbeatAgeSeconds} s`,
    });
  }
  for (const queue of QUEUE_NAMES) {
    const depth = await spool.depth(queue);
    if (depth.oldestAgeSeconds > queueAge && depth.ready + depth.leased > 0) {
      current.push({
        kind: 'queue-age-high',
        state: 'firing',
        at: now,
        source: `queue-age:${queue}`,
        queue,
        value: depth.oldestAgeSeconds,
      });
    }
    if (depth.dead > 0) {
      current.push({
        kind: 'dlq-not-empty',
        state: 'firing',
        at: now,
        source: `dlq:${queue}`,
        queue,
        value: depth.dead,
      });
    }
  }
  const services: ServiceState[] = [];
  for (const role of ['mx', 'submission', 'imap', 'pop3', 'delivery', 'mta', 'web']) {
    const running = nodes.filter(
      (n) => n.roles.includes(role) && (n.health === 'alive' || n.health === 'draining'),
    );
    const all = nodes.filter((n) => n.roles.includes(role) && n.health !== 'stopped');
    if (all.length === 0) continue;
    // Locally nothing scales by itself: min = max = desired, so backlogs page a human instead.
    services.push({
      name: role,
      roles: [role],
      desiredCount: all.length,
      runningCount: running.length,
      minCount: all.length,
      maxCount: all.length,
    });
  }
  return { nodes, current, services };
}

export interface DoctorReport extends Findings {
  decision: Decision;
  /** Signals recorded in this run (state changes). */
  recorded: Signal[];
  applied: { key: string; action: Action; result: string }[];
}

/**
 * `nimbus doctor`: gathers signals, compares them with the recorded history (a condition that
 * no longer holds is resolved), asks core/recovery's decide(), and with `fix` performs the local
 * equivalents of its actions and records them (cooldowns then hold across runs).
 */
export async function runDoctor(
  db: SqlExecutor,
  spool: Spool,
  options: DoctorOptions & { fix?: boolean } = {},
): Promise<DoctorReport> {
  const now = options.now ?? Date.now();
  const findings = await gatherSignals(db, spool, { ...options, now });
  const since = new Date(now - 24 * 3600_000);
  const log = await db.query<{ kind: string; key: string; at: Date; data: Signal | Action }>(
    `SELECT kind, key, at, data FROM recovery_log WHERE at >= $1 ORDER BY at, id`,
    [since],
  );
  const signalHistory = log.rows.filter((r) => r.kind === 'signal').map((r) => r.data as Signal);
  const actionHistory: ActionRecord[] = log.rows
    .filter((r) => r.kind === 'action')
    .map((r) => ({ key: r.key, action: r.data as Action, at: new Date(r.at).getTime() }));
  const latest = new Map<string, Signal>();
  for (const signal of signalHistory) latest.set(signal.source, signal);
  const recorded: Signal[] = [];
  const currentSources = new Set(findings.current.map((s) => s.source));
  for (const signal of findings.current) {
    if (latest.get(signal.source)?.state !== 'firing') recorded.push(signal);
  }
  for (const [source, signal] of latest) {
    if (signal.state === 'firing' && !currentSources.has(source)) {
      recorded.push({ ...signal, state: 'resolved', at: now });
    }
  }
  const decision = decide({
    now,
    signals: recorded,
    signalHistory,
    actionHistory,
    services: findings.services,
    queueConsumers: QUEUE_CONSUMERS,
    policy: options.redriveQuietMs !== undefined ? { redriveQuietMs: options.redriveQuietMs } : undefined,
  });
  for (const signal of recorded) {
    await db.query(`INSERT INTO recovery_log (kind, key, at, data) VALUES ('signal', $1, $2, $3::jsonb)`, [
      signal.source,
      new Date(signal.at),
      JSON.stringify(signal),
    ]);
  }
  const applied: DoctorReport['applied'] = [];
  if (options.fix) {
    const registry = new ClusterRegistry(db);
    for (const { key, action } of decision.actions) {
      const result = await applyAction(action, registry, spool);
      applied.push({ key, action, result });
      await db.query(`INSERT INTO recovery_log (kind, key, at, data) VALUES ('action', $1, $2, $3::jsonb)`, [
        key,
        new Date(now),
        JSON.stringify(action),
      ]);
    }
  }
  return { ...findings, decision, recorded, applied };
}

async function applyAction(action: Action, registry: ClusterRegistry, spool: Spool): Promise<string> {
  switch (action.kind) {
    case 'mark-node-dead': {
      await registry.markDead(action.nodeId);
      const released = await spool.releaseLeases(action.nodeId);
      return `node ${action.nodeId} marked dead; ${released} spool lease(s) released`;
    }
    case 'redrive-dead-letters': {
      if (action.queue !== 'inbound' && action.queue !== 'outbound') return `unknown queue ${action.queue}`;
      let retried = 0;
      for (const job of await spool.list({ queue: action.queue, state: 'dead' })) {
        if (await spool.retryNow(job.id)) retried++;
      }
      return `${retried} dead letter(s) of ${action.queue} made ready`;
    }
    case 'page-human':
      return `[${action.severity}] ${action.subject}: ${action.message}`;
    default:
      // Tasks and scaling belong to the orchestrator (ECS on AWS); locally an operator does it.
      return `manual: ${describe(action)}`;
  }
}

/** The report as text for the terminal. */
export function formatDoctorReport(report: DoctorReport, fix: boolean): string {
  const lines: string[] = [];
  lines.push(`nodes: ${report.nodes.map((n) => `${n.id} ${n.health}`).join(', ') || 'none registered'}`);
  if (report.current.length === 0) lines.push('findings: none (healthy)');
  for (const signal of report.current) {
    lines.push(
      `finding: ${signal.kind} ${signal.source}${signal.value !== undefined ? ` (${signal.value})` : ''}${signal.message ? ` — ${signal.message}` : ''}`,
    );
  }
  for (const signal of report.recorded.filter((s) => s.state === 'resolved')) {
    lines.push(`resolved: ${signal.source}`);
  }
  for (const { action } of report.decision.actions)
    lines.push(`${fix ? 'action' : 'would do'}: ${describe(action)}`);
  for (const skipped of report.decision.skipped)
    lines.push(`skipped: ${describe(skipped.action)} (${skipped.reason})`);
  for (const done of report.applied) lines.push(`done: ${done.result}`);
  if (!fix && report.decision.actions.length > 0) lines.push('run with --fix to apply');
  return lines.join('\n');
}
