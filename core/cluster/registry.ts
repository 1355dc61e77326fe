import type { QueueName, Spool } from '../ports/spool';
import { QUEUE_NAMES } from '../ports/spool';
import type { SqlExecutor } from '../ports/sql';

/** How many heartbeat intervals may pass before a node counts as dead. */
export const DEAD_AFTER_INTERVALS = 3;
export const DEFAULT_HEARTBEAT_SECONDS = 10;

export type NodeHealth = 'alive' | 'draining' | 'dead' | 'stopped';

/** What a node writes about itself when it starts. */
export interface NodeRegistration {
  id: string;
  roles: readonly string[];
  host: string;
  ports: Record<string, number | undefined>;
  version: string;
  heartbeatSeconds: number;
  /** The ECS task the node runs in (from the task metadata endpoint), when on ECS. */
  taskArn?: string;
}

export interface ClusterNode {
  id: string;
  roles: string[];
  host: string;
  ports: Record<string, number>;
  version: string;
  heartbeatSeconds: number;
  heartbeatAt: Date;
  /** Seconds since the last heartbeat, by the database's clock. */
  heartbeatAgeSeconds: number;
  draining: boolean;
  deadAt: Date | null;
  stoppedAt: Date | null;
  sessions: Record<string, number>;
  startedAt: Date;
  health: NodeHealth;
  taskArn: string | null;
}

export interface ClusterStatus {
  nodes: ClusterNode[];
  queues: Record<QueueName, { ready: number; leased: number; dead: number; oldestAgeSeconds: number }>;
}

interface NodeRow {
  id: string;
  roles: string[] | string;
  host: string;
  ports: Record<string, number>;
  version: string;
  heartbeat_seconds: number;
  heartbeat_at: Date;
  age: number;
  draining: boolean;
  dead_at: Date | null;
  stopped_at: Date | null;
  sessions: Record<string, number>;
  started_at: Date;
  expired: boolean;
  task_arn: string | null;
}

/**
 * The cluster registry in SQL: every node registers at start, writes a heartbeat every
 * `heartbeatSeconds`, and is dead once its heartbeat is older than 3 intervals. Any node may
 * declare a silent peer dead (exactly once: a conditional UPDATE) and release its spool leases.
 */
export class ClusterRegistry {
  constructor(private readonly db: SqlExecutor) {}

  /** Inserts or refreshes this node's row; a restart clears dead/stopped/draining. */
  async register(node: NodeRegistration): Promise<void> {
    await this.db.query(
      `INSERT INTO cluster_nodes (id, roles, host, ports, version, heartbeat_seconds, task_arn)
       VALUES ($1, $2::text[], $3, $4::jsonb, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET roles = EXCLUDED.roles, host = EXCLUDED.host, ports = EXCLUDED.ports,
         version = EXCLUDED.version, heartbeat_seconds = EXCLUDED.heartbeat_seconds, heartbeat_at = now(),
         draining = false, dead_at = NULL, stopped_at = NULL, sessions = '{}', started_at = now(),
         task_arn = EXCLUDED.task_arn`,
      [
        node.id,
        [...node.roles],
        node.host,
        JSON.stringify(node.ports),
        node.version,
        node.heartbeatSeconds,
        node.taskArn ?? null,
      ],
    );
  }

  /**
   * Writes the heartbeat and session counts; answers whether an operator asked this node to
   * drain, and whether a peer had declared it dead meanwhile (it comes back alive: it registered
   * again, but its leases were released, which is harmless: lease tokens guard every ack).
   */
  async heartbeat(
    id: string,
    sessions: Record<string, number>,
  ): Promise<{ draining: boolean; wasDead: boolean }> {
    const result = await this.db.query<{ draining: boolean; was_dead: boolean }>(
      `UPDATE cluster_nodes n SET heartbeat_at = now(), sessions = $2::jsonb, dead_at = NULL
       FROM (SELECT dead_at IS NOT NULL AS was_dead FROM cluster_nodes WHERE id = $1) old
       WHERE n.id = $1
       RETURNING n.draining, old.was_dead`,
      [id, JSON.stringify(sessions)],
    );
    const row = result.rows[0];
    return { draining: row?.draining ?? false, wasDead: row?.was_dead ?? false };
  }

  /** Sets (or clears) the draining flag; false when no such node is registered. */
  async setDraining(id: string, draining: boolean): Promise<boolean> {
    const result = await this.db.query(`UPDATE cluster_nodes SET draining = $2 WHERE id = $1`, [
      id,
      draining,
    ]);
    return result.rowCount > 0;
  }

  /** A clean shutdown: the node is gone, not dead (its leases were released by its own drain). */
  async markStopped(id: string): Promise<void> {
    await this.db.query(`UPDATE cluster_nodes SET stopped_at = now(), sessions = '{}' WHERE id = $1`, [id]);
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.db.query(`DELETE FROM cluster_nodes WHERE id = $1`, [id]);
    return result.rowCount > 0;
  }

  async list(): Promise<ClusterNode[]> {
    const result = await this.db.query<NodeRow>(
      `SELECT *, extract(epoch FROM now() - heartbeat_at)::float8 AS age,
              heartbeat_at < now() - make_interval(secs => heartbeat_seconds * ${DEAD_AFTER_INTERVALS}) AS expired
       FROM cluster_nodes ORDER BY id`,
    );
    return result.rows.map(toNode);
  }

  async get(id: string): Promise<ClusterNode | null> {
    return (await this.list()).find((node) => node.id === id) ?? null;
  }

  /**
   * Nodes whose heartbeat is older than 3 intervals and that nobody has declared dead yet:
   * marks them dead (one caller wins each) and returns their ids.
   */
  async markExpiredDead(exceptId?: string): Promise<string[]> {
    const result = await this.db.query<{ id: string }>(
      `UPDATE cluster_nodes SET dead_at = now()
       WHERE dead_at IS NULL AND stopped_at IS NULL AND id <> $1
         AND heartbeat_at < now() - make_interval(secs => heartbeat_seconds * ${DEAD_AFTER_INTERVALS})
       RETURNING id`,
      [exceptId ?? ''],
    );
    return result.rows.map((row) => row.id);
  }

  /** Marks one node dead now (the recovery action `mark-node-dead`). */
  async markDead(id: string): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE cluster_nodes SET dead_at = COALESCE(dead_at, now()) WHERE id = $1`,
      [id],
    );
    return result.rowCount > 0;
  }

  async status(spool: Spool): Promise<ClusterStatus> {
    const nodes = await this.list();
    const queues = {} as ClusterStatus['queues'];
    for (const queue of QUEUE_NAMES) queues[queue] = await spool.depth(queue);
    return { nodes, queues };
  }
}

/**
 * Declares silent peers dead and releases their spool leases so live nodes redo their jobs now
 * instead of after the lease expires. Returns what it did.
 */
export async function reapDeadNodes(
  registry: ClusterRegistry,
  spool: Spool,
  selfId?: string,
): Promise<{ nodeId: string; released: number }[]> {
  const out: { nodeId: string; released: number }[] = [];
  for (const nodeId of await registry.markExpiredDead(selfId)) {
    out.push({ nodeId, released: await spool.releaseLeases(nodeId) });
  }
  return out;
}

function toNode(row: NodeRow): ClusterNode {
  const roles = Array.isArray(row.roles)
    ? row.roles
    : String(row.roles)
        .replace(/^\{|\}$/g, '')
        .split(',')
        .filter(Boolean);
  const base = {
    id: row.id,
    roles,
    host: row.host,
    ports: row.ports ?? {},
    version: row.version,
    heartbeatSeconds: Number(row.heartbeat_seconds),
    heartbeatAt: new Date(row.heartbeat_at),
    heartbeatAgeSeconds: Math.max(0, Math.round(Number(row.age) * 10) / 10),
    draining: row.draining,
    deadAt: row.dead_at ? new Date(row.dead_at) : null,
    stoppedAt: row.stopped_at ? new Date(row.stopped_at) : null,
    sessions: row.sessions ?? {},
    startedAt: new Date(row.started_at),
    taskArn: row.task_arn ?? null,
  };
  const health: NodeHealth = base.stoppedAt
    ? 'stopped'
    : base.deadAt || row.expired
      ? 'dead'
      : base.draining
        ? 'draining'
        : 'alive';
  return { ...base, health };
}
