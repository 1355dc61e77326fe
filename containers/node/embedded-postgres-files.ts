/**
 * The pure parts of the embedded PostgreSQL (containers/node/embedded-postgres.ts): where its
 * binaries, data and socket live, what its postmaster.pid says, and how its log lines map to ours.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

/** The default port: only the socket's file name (.s.PGSQL.5432) uses it, there is no TCP listener. */
export const SOCKET_PORT = 5432;
const SOCKET_FILE = `.s.PGSQL.${SOCKET_PORT}`;

/** sun_path holds 108 bytes on Linux and 104 on macOS and the BSDs, the terminating NUL included. */
export function maxSocketPathBytes(platform: NodeJS.Platform = process.platform): number {
  return platform === 'linux' ? 107 : 103;
}

/** Where the server's files go inside a node's data directory. */
export function embeddedLayout(dataDir: string): { pgData: string; initStaging: string; runDir: string } {
  const pgData = path.join(dataDir, 'pg');
  // initdb runs into a staging dir that is renamed to pg/ at the end: pg/ exists only when complete.
  return { pgData, initStaging: path.join(dataDir, 'pg.initdb'), runDir: path.join(pgData, 'run') };
}

/**
 * The socket directory: `<dataDir>/pg/run` when the socket's path fits in sun_path, else a short
 * private directory under the OS temp dir, named after the data dir so every process of the same
 * data dir (node, admin CLI, psql) finds the same one.
 */
export function chooseSocketDir(
  dataDir: string,
  tmpDir: string,
  platform: NodeJS.Platform = process.platform,
): { dir: string; private: boolean } {
  const { runDir } = embeddedLayout(dataDir);
  const fits = (dir: string) =>
    Buffer.byteLength(path.join(dir, SOCKET_FILE)) <= maxSocketPathBytes(platform);
  if (fits(runDir)) return { dir: runDir, private: false };
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  const dir = path.join(tmpDir, `nimbus-pg-${hash}`);
  if (!fits(dir))
    throw new Error(`no socket path short enough for PostgreSQL: ${path.join(dir, SOCKET_FILE)}`);
  return { dir, private: true };
}

/** `postgres://nimbus@/nimbus?host=<socket dir>`: the embedded server's database over its socket. */
export function embeddedConnectionString(socketDir: string, database = 'nimbus'): string {
  return `postgres://nimbus@/${database}?host=${encodeURIComponent(socketDir)}`;
}

/** The first lines of postmaster.pid (PostgreSQL ≥ 10; src/include/utils/pidfile.h). */
export interface PostmasterPid {
  pid: number;
  dataDir: string;
  startedAt: number;
  port: number;
  socketDir: string;
  /** "starting", "stopping", "ready" or "standby" once the server has written it. */
  status?: string;
}

export function parsePostmasterPid(text: string): PostmasterPid | null {
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || lines.length < 2 || !lines[1]) return null;
  return {
    pid,
    dataDir: lines[1],
    startedAt: Number(lines[2] ?? NaN),
    port: Number(lines[3] ?? NaN),
    socketDir: lines[4] ?? '',
    status: lines[7]?.trim() || undefined,
  };
}

/** Whether a process's command line is a postmaster of `pgData` (started as `postgres -D <pgData>`). */
export function isPostmasterOf(commandLine: readonly string[], pgData: string): boolean {
  if (commandLine.length === 0 || path.basename(commandLine[0]) !== 'postgres') return false;
  const d = commandLine.indexOf('-D');
  return d >= 0 && path.resolve(commandLine[d + 1] ?? '') === path.resolve(pgData);
}

/** The package with this platform's binaries (optionalDependencies in package.json). */
export function binaryPackageName(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string {
  const os = platform === 'win32' ? 'windows' : platform;
  return `@embedded-postgres/${os}-${arch}`;
}

export interface PostgresBinaries {
  /** .../native: bin/ (initdb, postgres), lib/, share/. */
  root: string;
  initdb: string;
  postgres: string;
}

/** Locates the binaries, or throws naming the package that is missing for this platform. */
export function locateBinaries(
  resolve: (request: string) => string = require.resolve,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): PostgresBinaries {
  const name = binaryPackageName(platform, arch);
  let entry: string;
  try {
    entry = resolve(name); // the package's dist/index.js (its only export)
  } catch {
    throw Object.assign(
      new Error(
        `embedded PostgreSQL: package ${name} is not installed (${platform}-${arch}); run npm ci, or set storage.embedded=pglite (NIMBUS_EMBEDDED_DB=pglite)`,
      ),
      { code: 'EMBEDDED_PG_MISSING' },
    );
  }
  const root = path.resolve(path.dirname(entry), '..', 'native');
  const exe = platform === 'win32' ? '.exe' : '';
  const binaries = {
    root,
    initdb: path.join(root, 'bin', `initdb${exe}`),
    postgres: path.join(root, 'bin', `postgres${exe}`),
  };
  if (!existsSync(binaries.postgres) || !existsSync(binaries.initdb)) {
    throw Object.assign(new Error(`embedded PostgreSQL: ${name} has no binaries under ${root}`), {
      code: 'EMBEDDED_PG_MISSING',
    });
  }
  return binaries;
}

/**
 * The shared libraries' version symlinks (libpq.so.5 → libpq.so.5.18 …) listed in
 * native/pg-symlinks.json: the package's postinstall creates them, and npm 11 does not run it.
 * Creates the missing ones, relative to their directory, as scripts/hydrate-symlinks.js does.
 */
export async function ensureLibrarySymlinks(root: string): Promise<number> {
  const packageDir = path.dirname(root);
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await fs.readFile(path.join(root, 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    return 0; // none listed (macOS, Windows packages)
  }
  let created = 0;
  for (const { source, target } of links) {
    const from = path.join(packageDir, target);
    if (
      await fs.lstat(from).then(
        () => true,
        () => false,
      )
    )
      continue;
    await fs.symlink(path.relative(path.dirname(from), path.join(packageDir, source)), from);
    created++;
  }
  return created;
}

export type ForwardLevel = 'debug' | 'warn';

/**
 * The level a server log line is forwarded at: WARNING and worse at warn, everything else at
 * debug. DETAIL/HINT/CONTEXT/STATEMENT lines and untagged continuations keep their message's level.
 */
export function postgresLogLevel(line: string, previous: ForwardLevel = 'debug'): ForwardLevel {
  const tag = /^\s*(?:\S+ \S+ \S+ \[\d+\] )?([A-Z]+[0-9]?):\s/.exec(line)?.[1];
  if (!tag || ['DETAIL', 'HINT', 'CONTEXT', 'STATEMENT', 'QUERY', 'LOCATION'].includes(tag)) return previous;
  return ['WARNING', 'ERROR', 'FATAL', 'PANIC'].includes(tag) ? 'warn' : 'debug';
}
