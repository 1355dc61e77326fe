import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A node id that survives restarts (so it can reclaim its own leases): kept in the data dir. */
export async function stableNodeId(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'node-id');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const id = `${os.hostname()}-${randomBytes(4).toString('hex')}`;
    await fs.writeFile(file, id + '\n');
    return id;
  }
}
