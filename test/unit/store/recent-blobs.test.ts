import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../../core/adapters/local/file-blob-store';
import type { BlobStore } from '../../../core/ports/blob-store';
import { RecentBlobs } from '../../../core/store/recent-blobs';

/** Counts the reads that reach the real store underneath. */
function counting(inner: BlobStore): BlobStore & { reads: number } {
  const wrapper = Object.create(inner) as BlobStore & { reads: number };
  wrapper.reads = 0;
  wrapper.get = (key) => (wrapper.reads++, inner.get(key));
  wrapper.getRange = (key, start, end) => (wrapper.reads++, inner.getRange(key, start, end));
  return wrapper;
}

describe('RecentBlobs (the bytes of blobs just stored, for the delivery that follows)', () => {
  let dir: string;
  let files: FileBlobStore;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-recent-'));
    files = new FileBlobStore(dir);
    await files.init();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a blob just stored is read back without touching the store, and is on disk all the same', async () => {
    const inner = counting(files);
    const blobs = new RecentBlobs(inner);
    const data = Buffer.from('Subject: hello\r\n\r\nbody\r\n');
    const { key } = await blobs.put(data);
    expect(await blobs.get(key)).toEqual(data);
    expect(await blobs.getRange(key, 0, 7)).toEqual(Buffer.from('Subject'));
    expect(inner.reads).toBe(0);
    expect(await files.get(key)).toEqual(data);
  });

  test('beyond its byte bound the oldest go first; large blobs are never kept; delete forgets', async () => {
    const inner = counting(files);
    const blobs = new RecentBlobs(inner, 100, 60);
    const a = await blobs.put(Buffer.alloc(50, 'a'));
    const b = await blobs.put(Buffer.alloc(50, 'b'));
    const c = await blobs.put(Buffer.alloc(50, 'c')); // a goes
    const big = await blobs.put(Buffer.alloc(61, 'x')); // never kept
    await blobs.get(b.key);
    await blobs.get(c.key);
    expect(inner.reads).toBe(0);
    expect(await blobs.get(a.key)).toEqual(Buffer.alloc(50, 'a'));
    expect(await blobs.get(big.key)).toEqual(Buffer.alloc(61, 'x'));
    expect(inner.reads).toBe(2);
    await blobs.delete(b.key);
    await expect(blobs.get(b.key)).rejects.toThrow(/not found/);
  });
});
