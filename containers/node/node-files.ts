import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';

/** What a running node tells local tools: where it listens and the admin token. */
export interface NodeFile {
  pid: number;
  host: string;
  ports: { [service: string]: number | undefined };
  token: string;
  nodeId: string;
}

/**
 * Creates the data directory, or fails naming the setting: on a read-only root file system (an ECS
 * task) the default ./data cannot exist, and NIMBUS_DATA must point at a writable mount.
 */
export async function ensureDataDir(dataDir: string): Promise<void> {
  try {
    await fs.mkdir(dataDir, { recursive: true });
    await fs.access(dataDir, fsConstants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(
      `invalid setting dataDir: cannot write the data directory ${dataDir} (${code}); set NIMBUS_DATA (or --data) to a writable path`,
      { cause: error },
    );
  }
}

export async function writeNodeFiles(dataDir: string, node: NodeFile): Promise<void> {
  await writeAtomically(path.join(dataDir, 'ports.json'), JSON.stringify(node.ports, null, 2) + '\n', 0o644);
  await writeAtomically(path.join(dataDir, 'node.json'), JSON.stringify(node, null, 2) + '\n', 0o600);
}

export async function removeNodeFiles(dataDir: string): Promise<void> {
  await fs.unlink(path.join(dataDir, 'node.json')).catch(() => undefined);
}

export async function readNodeFile(dataDir: string): Promise<NodeFile | null> {
  try {
    const node = JSON.parse(await fs.readFile(path.join(dataDir, 'node.json'), 'utf8')) as NodeFile;
    return isAlive(node.pid) ? node : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One owner of a data dir at a time (its embedded database, PostgreSQL or PGlite, has one owner). The lock file holds the owner's
 * pid; a stale lock (owner dead, e.g. after SIGKILL) is taken over.
 */
export async function acquireDataDirLock(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dataDir, 'node.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(lockPath, String(process.pid), { flag: 'wx' });
      return async () => {
        await fs.unlink(lockPath).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await fs.readFile(lockPath, 'utf8').catch(() => '0'));
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new Error(`data directory ${dataDir} is in use by process ${owner}`);
      }
      await fs.unlink(lockPath).catch(() => undefined);
    }
  }
  throw new Error(`cannot lock data directory ${dataDir}`);
}

async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, content, { mode });
  await fs.rename(tmp, file);
}
