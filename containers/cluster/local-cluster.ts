import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, promises as fs, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { isAlive } from '../node/node-files';
import type { Role } from '../node/roles';
import {
  NODE_PORT_NAMES,
  SERVICES,
  planTopology,
  renderHaproxyConfig,
  type ServiceName,
  type Topology,
} from './topology';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/nimbus.cjs');
export const DEFAULT_ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEFAULT_FRONTENDS: Record<ServiceName, number> = {
  smtp: 10025,
  submission: 10587,
  imap: 10143,
  pop3: 10110,
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
  database: { name: string; url: string; adminUrl: string };
  blobs: string;
  haproxy: {
    bin: string;
    config: string;
    pidFile: string;
    socket: string;
    frontends: Record<ServiceName, number>;
  };
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
      await cluster.startHaproxy(options.checkIntervalMs ?? 500);
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

  private async startHaproxy(checkIntervalMs: number): Promise<void> {
    const { haproxy } = this.state;
    const config = renderHaproxyConfig({
      frontends: haproxy.frontends,
      servers: this.state.nodes,
      statsSocket: haproxy.socket,
      checkIntervalMs,
    });
    await fs.writeFile(haproxy.config, config);
    const check = spawnSync(haproxy.bin, ['-c', '-q', '-f', haproxy.config], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`haproxy config invalid: ${check.stderr || check.stdout}`);
    const run = spawnSync(haproxy.bin, ['-D', '-p', haproxy.pidFile, '-f', haproxy.config], {
      encoding: 'utf8',
      timeout: 15000,
    });
    if (run.status !== 0) throw new Error(`haproxy did not start: ${run.stderr || run.stdout}`);
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
    const csv = await haproxyCommand(this.state.haproxy.socket, 'show stat');
    const out: Record<string, string> = {};
    const lines = csv.split('\n').filter(Boolean);
    const header = lines[0].replace(/^# /, '').split(',');
    const col = (name: string) => header.indexOf(name);
    for (const line of lines.slice(1)) {
      const fields = line.split(',');
      const server = fields[col('svname')];
      if (server === 'FRONTEND' || server === 'BACKEND') continue;
      out[`${fields[col('pxname')]}/${server}`] = fields[col('status')];
    }
    return out;
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
    const haproxyPid = Number(await fs.readFile(this.state.haproxy.pidFile, 'utf8').catch(() => '0'));
    if (haproxyPid > 0 && isAlive(haproxyPid)) {
      process.kill(haproxyPid, 'SIGTERM');
      const deadline = Date.now() + 5000;
      while (isAlive(haproxyPid) && Date.now() < deadline) await sleep(50);
      if (isAlive(haproxyPid)) process.kill(haproxyPid, 'SIGKILL');
    }
    await fs.unlink(this.state.haproxy.pidFile).catch(() => undefined);
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

async function createDatabase(adminUrl: string): Promise<ClusterState['database']> {
  const name = `nimbus_cluster_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), adminUrl };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^nimbus_cluster_[0-9a-f]+$/.test(name)) return;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * A free port below the kernel's ephemeral range (32768+): ports reserved now and bound later
 * (spare slots, restarts) must not be taken meanwhile by some outgoing connection.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (allocated.has(port)) continue;
    if (await canBind(port)) {
      allocated.add(port);
      return port;
    }
  }
  throw new Error('no free port in 20000-31999');
}
const allocated = new Set<number>();

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function httpStatus(port: number, urlPath: string): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

function haproxyCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let out = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5000, () => socket.destroy(new Error('haproxy socket timeout')));
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
