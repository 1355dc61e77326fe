import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BlobNotFoundError, type BlobInfo, type BlobStore } from '../../ports/blob-store';
import { StorageUnavailableError } from '../../ports/sql';

/**
 * Blobs as files under ROOT/ab/cd/<sha256>: two directory levels keep directories small with
 * millions of messages. Works on a local disk and on a shared mount (EFS, NFS) alike.
 *
 * Durability of put(), before it resolves: the bytes are written to ROOT/tmp and fsynced, renamed
 * to the final name (atomic: a reader sees no file or the whole file; an existing blob with this
 * key holds the same bytes, so replacing it is harmless), then the final directory is fsynced so
 * the name survives a crash; a directory it had to create has its own entry fsynced in its parent.
 * A directory fsync that starts after our rename covers it, so concurrent puts into one directory
 * share one (see DirectorySync). A crash earlier leaves at most a file in ROOT/tmp, never a partial blob.
 */
export class FileBlobStore implements BlobStore {
  private readonly tmpDir: string;
  /** Directories known to exist (bounded: 65,536 leaves at most, plus their parents). */
  private readonly knownDirs = new Map<string, Promise<void>>();
  private readonly directorySync = new DirectorySync();

  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.tmpDir, { recursive: true });
  }

  pathOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`invalid blob key ${key}`);
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(data: Buffer): Promise<BlobInfo> {
    const key = createHash('sha256').update(data).digest('hex');
    const finalPath = this.pathOf(key);
    const tmpPath = path.join(this.tmpDir, `${randomUUID()}.tmp`);
    let renamed = false;
    try {
      const dir = path.dirname(finalPath);
      await Promise.all([writeDurably(tmpPath, data), this.ensureDirectory(dir)]);
      await fs.rename(tmpPath, finalPath).catch(async (error: NodeJS.ErrnoException) => {
        // The directory went away behind our back (an operator's cleanup): make it again, once.
        if (error.code !== 'ENOENT') throw error;
        this.knownDirs.delete(dir);
        await this.ensureDirectory(dir);
        await fs.rename(tmpPath, finalPath);
      });
      renamed = true;
      await this.directorySync.sync(dir);
    } catch (error) {
      if (!renamed) await fs.unlink(tmpPath).catch(() => undefined);
      throw new StorageUnavailableError(`blob store write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return { key, size: data.length };
  }

  /**
   * mkdir -p for ROOT/ab/cd, once per directory and process (concurrent callers share the work).
   * A directory made here has its entry in the parent fsynced; one that existed needs nothing.
   */
  private ensureDirectory(dir: string): Promise<void> {
    let ready = this.knownDirs.get(dir);
    if (!ready) {
      ready = this.createDirectory(dir);
      this.knownDirs.set(dir, ready);
      ready.catch(() => this.knownDirs.delete(dir));
    }
    return ready;
  }

  private async createDirectory(dir: string): Promise<void> {
    const parent = path.dirname(dir);
    // The leaf first: its parent exists in all but the first puts under it.
    let made = await mkdirOnce(dir);
    if (made === 'no-parent') {
      await this.ensureDirectory(parent);
      made = await mkdirOnce(dir);
    }
    if (made === 'made') await this.directorySync.sync(parent);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (error) {
      throw mapReadError(key, error);
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(this.pathOf(key), 'r');
      const length = Math.max(0, end - start);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, start);
      return buffer.subarray(0, bytesRead);
    } catch (error) {
      throw mapReadError(key, error);
    } finally {
      await handle?.close();
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.unlink(this.pathOf(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  async check(): Promise<void> {
    const probe = path.join(this.tmpDir, `health-${process.pid}`);
    await fs.writeFile(probe, 'ok');
    await fs.unlink(probe);
  }
}

async function writeDurably(file: string, data: Buffer): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function mkdirOnce(dir: string): Promise<'made' | 'existed' | 'no-parent'> {
  try {
    await fs.mkdir(dir);
    return 'made';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return 'existed';
    if (code === 'ENOENT') return 'no-parent';
    throw error;
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Shared directory fsyncs: a caller needs an fsync that *starts* after its rename. While one runs,
 * every caller that arrives joins the single next one, which starts when the running one ends.
 */
class DirectorySync {
  private readonly dirs = new Map<string, { running: Promise<void>; next: Promise<void> | null }>();

  sync(dir: string): Promise<void> {
    const state = this.dirs.get(dir);
    if (!state) return this.start(dir);
    state.next ??= state.running.catch(() => undefined).then(() => this.start(dir));
    return state.next;
  }

  private start(dir: string): Promise<void> {
    const running = fsyncDirectory(dir);
    this.dirs.set(dir, { running, next: null });
    const done = () => {
      if (this.dirs.get(dir)?.running === running) this.dirs.delete(dir);
    };
    running.then(done, done);
    return running;
  }
}

function mapReadError(key: string, error: unknown): Error {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new BlobNotFoundError(key);
  return new StorageUnavailableError(`blob store read failed: ${(error as Error).message}`, { cause: error });
}
