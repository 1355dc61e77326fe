import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BlobNotFoundError, type BlobInfo, type BlobStore } from '../../ports/blob-store';
import { StorageUnavailableError } from '../../ports/sql';
import { DurableWriter } from './durable-writer';

/**
 * Blobs as files under ROOT/ab/cd/<sha256>: two directory levels keep directories small with
 * millions of messages. Works on a local disk and on a shared mount (EFS, NFS) alike.
 *
 * Durability of put(), before it resolves (durable-writer.ts, on a worker thread): the bytes are
 * written to ROOT/tmp and fsynced, renamed to the final name (atomic: a reader sees no file or the
 * whole file; an existing blob with this key holds the same bytes, so replacing it is harmless),
 * then the final directory is fsynced so the name survives a crash; a directory it had to create
 * has its own entry fsynced in its parent. A crash earlier leaves at most a file in ROOT/tmp,
 * never a partial blob.
 */
export class FileBlobStore implements BlobStore {
  private readonly tmpDir: string;

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
    const tmpPath = path.join(this.tmpDir, `${randomUUID()}.tmp`);
    try {
      await DurableWriter.shared().write(tmpPath, this.pathOf(key), data);
    } catch (error) {
      throw new StorageUnavailableError(`blob store write failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return { key, size: data.length };
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

function mapReadError(key: string, error: unknown): Error {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new BlobNotFoundError(key);
  return new StorageUnavailableError(`blob store read failed: ${(error as Error).message}`, { cause: error });
}
