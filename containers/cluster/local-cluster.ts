import { spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { isAlive } from '../node/node-files';
import type { Role } from '../node/roles';
import { createDatabase, dropDatabase, type ClusterDatabase } from './cluster-database';
import { haproxyStatus, startHaproxy, stopHaproxy, type HaproxySettings } from './haproxy-control';
import { freePort, httpStatus, sleep, tail } from './local-probes';
import { NODE_PORT_NAMES, SERVICES, planTopology, type ServiceName, type Topology } from './topology';

export { freePort, httpStatus } from './local-probes';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/nimbus.cjs');
export const DEFAULT_ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_FRONTENDS: Record<ServiceName, number> = {
  smtp: 10025,
  submission: 10587,
  imap: 10143,
  pop3: 10110,
  managesieve: 14190,
  http: 10080,
};

export interface LocalClusterOptions {
  topology: Topology;
  dir: string;
  /** Nodes per pool (basic: identical nodes). */
  nodes?: number;
  /** Pre-declared HAProxy slots per pool for nodes added later (`addNode`). */
  spares?: number;
  /** A PostgreSQL URL with the right to CREATE DATABASE (default postgres@127.0.0.1:5432). */
  adminDatabaseUrl?: string;
  frontends?: Partial<Record<ServiceName, number>>;
  haproxyBin?: string;
  checkIntervalMs?: number;
  heartbeatSeconds?: number;
  leaseSeconds?: number;
  drainDelayMs?: number;
  /** Plaintext IMAP/POP3 logins (loopback demos and tests only). */
  insecureAuth?: boolean;
  /** Extra settings merged into every node's config file. */
  nodeConfig?: Record<string, unknown>;
  logLevel?: string;
}

export interface ClusterNodeState {
  name: string;
  pool: string;
  roles: Role[];
  ports: Record<string, number>;
  dataDir: string;
  /** Not started yet: a pre-declared HAProxy slot. */
  spare: boolean;
  pid?: number;
}

export interface ClusterState {
  topology: Topology;
  dir: string;
  database: ClusterDatabase;
  blobs: string;
  haproxy: HaproxySettings;
  nodes: ClusterNodeState[];
}

/**
 * A whole cluster on this machine: a fresh PostgreSQL database, node processes
 * (`node bin/nimbus.cjs start`) sharing it and one file blob store, and HAProxy in front. The
 * state lives in DIR/cluster.json, so `nimbus cluster down --dir DIR` works from another shell.
 */
export class LocalCluster {
  private constructor(readonly state: ClusterState) {}

  static async up(options: LocalClusterOptions): Promise<LocalCluster> {
    const dir = path.resolve(options.dir);
    await fs.mkdir(dir, { recursive: true });
    const existing = await LocalCluster.load(dir).catch(() => null);
    if (existing && existing.runningNodes().length > 0) {
      throw new Error(`a cluster is already running in ${dir} (nimbus cluster down --dir ${dir})`);
    }
    const adminUrl =
      options.adminDatabaseUrl ?? process.env.NIMBUS_TEST_DATABASE_URL ?? DEFAULT_ADMIN_DATABASE_URL;
    const database = await createDatabase(adminUrl);
    const blobs = path.join(dir, 'blobs');
    await fs.mkdir(blobs, { recursive: true });
    const nodes: ClusterNodeState[] = [];
    const spares = options.spares ?? 1;
    for (const pool of planTopology(options.topology, options.nodes ?? 2)) {
      for (let i = 1; i <= pool.count + spares; i++) {
        const name = `${pool.name}${i}`;
        const ports: Record<string, number> = {};
        for (const port of NODE_PORT_NAMES) ports[port] = await freePort();
        nodes.push({
          name,
          pool: pool.name,
          roles: pool.roles,
          ports,
          dataDir: path.join(dir, name),
          spare: i > pool.count,
        });
      }
    }
    const frontends = { ...DEFAULT_FRONTENDS, ...options.frontends };
    const state: ClusterState = {
      topology: options.topology,
      dir,
      database,
      blobs,
      haproxy: {
        bin: options.haproxyBin ?? (process.env.HAPROXY_BIN || 'haproxy'),
        config: path.join(dir, 'haproxy.cfg'),
        pidFile: path.join(dir, 'haproxy.pid'),
        socket: path.join(dir, 'haproxy.sock'),
        frontends,
      },
      nodes,
    };
    const cluster = new LocalCluster(state);
    try {
      for (const node of nodes) await cluster.writeNodeConfig(node, options);
      await cluster.save();
      await startHaproxy(state.haproxy, state.nodes, options.checkIntervalMs ?? 500);
      // The first node migrates the database; the rest start in parallel after it.
      const first = nodes.find((node) => !node.spare)!;
      await cluster.startNode(first.name);
      await Promise.all(nodes.filter((n) => !n.spare && n !== first).map((n) => cluster.startNode(n.name)));
    } catch (error) {
      await cluster.down().catch(() => undefined);
      throw error;
    }
    return cluster;
  }

  static async load(dir: string): Promise<LocalCluster> {
    const file = path.join(path.resolve(dir), 'cluster.json');
    return new LocalCluster(JSON.parse(await fs.readFile(file, 'utf8')) as ClusterState);
  }

  get databaseUrl(): string {
    return this.state.database.url;
  }

  get frontends(): Record<ServiceName, number> {
    return this.state.haproxy.frontends;
  }

  node(name: string): ClusterNodeState {
    const node = this.state.nodes.find((n) => n.name === name);
    if (!node)
      throw new Error(`no node ${name} in this cluster (${this.state.nodes.map((n) => n.name).join(', ')})`);
    return node;
  }

  runningNodes(): ClusterNodeState[] {
    return this.state.nodes.filter((n) => n.pid !== undefined && isAlive(n.pid));
  }

  private saving: Promise<void> = Promise.resolve();

  /** Nodes start in parallel: saves are serialised, each through its own temp file. */
  private save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const file = path.join(this.state.dir, 'cluster.json');
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, JSON.stringify(this.state, null, 2) + '\n');
      await fs.rename(tmp, file);
    });
    return this.saving;
  }

  private async writeNodeConfig(node: ClusterNodeState, options: LocalClusterOptions): Promise<void> {
    await fs.mkdir(node.dataDir, { recursive: true });
    const config = {
      nodeId: node.name,
      roles: node.roles,
      host: '127.0.0.1',
      hostname: `${node.name}.cluster.test`,
      ports: node.ports,
      blobs: `file://${this.state.blobs}`,
      smtp: { pregreetMs: 0 },
      imap: { allowInsecureAuth: options.insecureAuth ?? false },
      pop3: { allowInsecureAuth: options.insecureAuth ?? false },
      managesieve: { allowInsecureAuth: options.insecureAuth ?? false },
      delivery: { leaseSeconds: options.leaseSeconds ?? 60, pollIntervalMs: 200 },
      cluster: {
        heartbeatSeconds: options.heartbeatSeconds ?? 10,
        drainDelayMs: options.drainDelayMs ?? 3000,
      },
      log: { level: options.logLevel ?? 'warn', format: 'json' },
      ...options.nodeConfig,
    };
    await fs.writeFile(path.join(node.dataDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  }

  /** Starts a node (or a spare slot: the node joins the cluster and HAProxy's checks find it). */
  async startNode(name: string, timeoutMs = 90_000): Promise<ClusterNodeState> {
    const node = this.node(name);
    if (node.pid !== undefined && isAlive(node.pid)) return node;
    const logFile = path.join(node.dataDir, 'node.log');
    const fd = openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      [BIN, '--data', node.dataDir, '--config', path.join(node.dataDir, 'config.json'), 'start'],
      {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', fd, fd],
        env: {
          ...process.env,
          DATABASE_URL: this.state.database.url,
          NIMBUS_EVENTS: 'postgres',
          NIMBUS_PROXY_PROTOCOL_TRUSTED: '127.0.0.1',
          NIMBUS_BLOBS: `file://${this.state.blobs}`,
          LOG_FORMAT: 'json',
        },
      },
    );
    closeSync(fd);
    child.unref();
    node.pid = child.pid;
    node.spare = false;
    await this.save();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || !isAlive(node.pid!)) {
        throw new Error(`node ${name} exited: ${tail(logFile)}`);
      }
      if ((await httpStatus(node.ports.http, '/healthz')) === 200) return node;
      if (Date.now() > deadline) throw new Error(`node ${name} did not become healthy: ${tail(logFile)}`);
      await sleep(200);
    }
  }

  /** The first spare slot of a pool (default: the first pool), started. */
  async addNode(pool?: string): Promise<ClusterNodeState> {
    const spare = this.state.nodes.find((n) => n.spare && (!pool || n.pool === pool));
    if (!spare) throw new Error(`no spare slot${pool ? ` in pool ${pool}` : ''}: cluster up --spares N`);
    return this.startNode(spare.name);
  }

  /** Signals a node and waits for its exit (SIGTERM drains first; SIGKILL is a crash). */
  async stopNode(name: string, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000): Promise<void> {
    const node = this.node(name);
    const pid = node.pid;
    if (pid === undefined || !isAlive(pid)) return;
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + timeoutMs;
    while (isAlive(pid)) {
      if (Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
      }
      await sleep(50);
    }
  }

  /** HAProxy's view: backend/server → status (UP, DOWN, MAINT …) from the runtime API. */
  async haproxyStatus(): Promise<Record<string, string>> {
    return haproxyStatus(this.state.haproxy.socket);
  }

  /** Waits until HAProxy reports `status` (e.g. UP, DOWN) for the node in every backend it serves. */
  async waitForHaproxy(name: string, status: 'UP' | 'DOWN', timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await this.haproxyStatus().catch(() => ({}) as Record<string, string>);
      const mine = Object.entries(all).filter(([key]) => key.endsWith(`/${name}`));
      if (mine.length > 0 && mine.every(([, value]) => value.startsWith(status))) return;
      if (Date.now() > deadline) throw new Error(`haproxy: ${name} not ${status}: ${JSON.stringify(mine)}`);
      await sleep(100);
    }
  }

  /** Stops every node (SIGTERM, SIGKILL after a grace) and HAProxy, and drops the database. */
  async down(options: { graceMs?: number } = {}): Promise<void> {
    const grace = options.graceMs ?? 15_000;
    await Promise.all(this.state.nodes.map((node) => this.stopNode(node.name, 'SIGTERM', grace)));
    await stopHaproxy(this.state.haproxy.pidFile);
    await dropDatabase(this.state.database.adminUrl, this.state.database.name);
    for (const node of this.state.nodes) node.pid = undefined;
    await this.save().catch(() => undefined);
  }
}

/** Each service's frontend port and the nodes behind it (for `nimbus cluster up` output). */
export function describeCluster(cluster: LocalCluster): string {
  const lines = [`topology ${cluster.state.topology}, database ${cluster.state.database.name}`];
  for (const service of SERVICES) {
    const nodes = cluster.state.nodes.filter((n) => !n.spare && n.roles.includes(service.role as Role));
    if (nodes.length === 0) continue;
    lines.push(
      `  ${service.name.padEnd(11)} 127.0.0.1:${cluster.frontends[service.name]}  → ${nodes.map((n) => n.name).join(', ')}`,
    );
  }
  const spares = cluster.state.nodes.filter((n) => n.spare).map((n) => n.name);
  if (spares.length > 0) lines.push(`  spare slots: ${spares.join(', ')}`);
  return lines.join('\n');
}
