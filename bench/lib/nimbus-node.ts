/**
 * A Nimbus node for the benchmarks: the CLI bundle (bin/build-cli.ts) built privately for this run,
 * so figures never include tsx compiling TypeScript, started with `nimbus start` on a temp data dir
 * (the embedded database: PostgreSQL by default, or PGlite) or on a database URL, all ports on
 * 127.0.0.1 chosen by the OS. Memory figures cover the node and its embedded PostgreSQL processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli } from '../../bin/build-cli';

const ROOT = path.resolve(__dirname, '../..');

/** Builds the bundle under dist/ (where node_modules resolves PGlite); returns its path and a cleanup. */
export async function buildBenchBundle(): Promise<{ bundle: string; remove: () => void }> {
  const out = path.join(ROOT, 'dist', `bench-${process.pid}`);
  await buildCli(out, { webmail: false });
  return {
    bundle: path.join(out, 'nimbus.cjs'),
    remove: () => rmSync(out, { recursive: true, force: true }),
  };
}

export interface NimbusPorts {
  smtp: number;
  imap: number;
  http: number;
}

export class NimbusNode {
  readonly dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-versus-'));
  private child: ChildProcess | null = null;
  /** The node's error log lines (JSON, level error or fatal), the first 20. */
  readonly errorLines: string[] = [];
  ports: NimbusPorts = { smtp: 0, imap: 0, http: 0 };

  constructor(
    private readonly bundle: string,
    private readonly databaseUrl?: string,
    /** NIMBUS_EMBEDDED_DB without a database URL; unset: the default engine. */
    private readonly embedded?: 'postgres' | 'pglite',
  ) {
    // The load generators log in without TLS and open more sessions than a client normally would.
    writeFileSync(
      path.join(this.dataDir, 'bench-config.json'),
      JSON.stringify({
        smtp: { maxConnectionsPerIp: 1000, pregreetMs: 0 },
        imap: { allowInsecureAuth: true, maxConnectionsPerIp: 1000, maxConnectionsPerUserIp: 1000 },
      }),
    );
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** Starts the node; resolves with the milliseconds from spawn to the first 200 from /healthz. */
  async start(): Promise<number> {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the node under load.
        ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        this.bundle,
        '--data',
        this.dataDir,
        '--config',
        path.join(this.dataDir, 'bench-config.json'),
        'start',
        '--roles',
        'mx,delivery,imap,web',
        '--smtp-port',
        '0',
        '--imap-port',
        '0',
        '--http-port',
        '0',
      ],
      {
        env: {
          ...process.env,
          LOG_LEVEL: 'warn',
          LOG_FORMAT: 'json',
          // The IMAP role also opens IMAPS: on any free port, like the others.
          NIMBUS_IMAPS_PORT: '0',
          ...(this.databaseUrl ? { DATABASE_URL: this.databaseUrl } : {}),
          ...(this.embedded ? { NIMBUS_EMBEDDED_DB: this.embedded } : {}),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    this.child = child;
    let out = '';
    let partial = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (out.length < 1 << 20) out += chunk.toString();
        if (out.includes('nimbus: listening')) resolve();
        // Keep the node's errors: an error a load generator sees is explained by the node's log line.
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines)
          if (/"level":(50|60)/.test(line) && this.errorLines.length < 20) this.errorLines.push(line);
      });
      child.once('exit', (code) => reject(new Error(`nimbus exited ${code}: ${out}`)));
    });
    const ports = JSON.parse(readFileSync(path.join(this.dataDir, 'ports.json'), 'utf8')) as NimbusPorts;
    this.ports = ports;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${ports.http}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The database the node reports in /healthz (e.g. `postgres (embedded, …/pg)`, `pglite`). */
  async database(): Promise<string> {
    const health = (await fetch(`http://127.0.0.1:${this.ports.http}/healthz`).then((r) => r.json())) as {
      storage?: { database?: string };
    };
    return health.storage?.database ?? 'unknown';
  }

  /** An admin command through the node's admin endpoint (as `nimbus` does with a node running). */
  async admin(command: Record<string, unknown>): Promise<void> {
    const node = JSON.parse(readFileSync(path.join(this.dataDir, 'node.json'), 'utf8')) as { token: string };
    const response = await fetch(`http://127.0.0.1:${this.ports.http}/internal/admin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(command),
    });
    if (!response.ok)
      throw new Error(`admin ${JSON.stringify(command)}: ${response.status} ${await response.text()}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Resident set size (VmRSS) and its peak so far (VmHWM) of a process, in MiB. */
export function rssMiB(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/** `pid` and all its descendants (the node's embedded PostgreSQL: postmaster and backends). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces, the fields after the last ')' do not.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const tree: number[] = [];
  for (const queue = [pid]; queue.length > 0;) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/**
 * Memory of a process tree, in MiB: the sum of each process's VmRSS (what the figures report: pages
 * shared between processes, PostgreSQL's shared buffers above all, count once per process, so this
 * overstates), and the sum of Pss from smaps_rollup (shared pages divided among their users).
 */
export function treeMemoryMiB(pid: number): { rss: number; pss: number; processes: number } {
  let rss = 0;
  let pss = 0;
  const tree = processTree(pid);
  for (const p of tree) {
    const value = rssMiB(p).rss;
    if (!Number.isNaN(value)) rss += value;
    try {
      const rollup = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) / 1024;
    } catch {
      // not readable (another user, not root) or exited
    }
  }
  return { rss, pss, processes: tree.length };
}

/** Samples the process tree's summed VmRSS and Pss every 100 ms until stopped; the highest of each, in MiB. */
export function sampleRss(pid: number): () => { rss: number; pss: number } {
  const max = { rss: 0, pss: 0 };
  const sample = () => {
    const now = treeMemoryMiB(pid);
    max.rss = Math.max(max.rss, now.rss);
    max.pss = Math.max(max.pss, now.pss);
  };
  sample();
  const timer = setInterval(sample, 100);
  return () => {
    clearInterval(timer);
    sample();
    return max;
  };
}
