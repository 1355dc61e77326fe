import type { BlobInfo, BlobStore } from '../ports/blob-store';

/**
 * The bytes of blobs this process has just stored, kept for a moment: delivery reads every
 * accepted message back right after the accept (to parse and file it), and on the same node the
 * bytes are still here — no open/read/close of the file, no S3 GET. Blobs are content-addressed
 * and immutable, so an entry is never stale. Bounded by bytes, oldest out first; large blobs pass
 * through. Callers must not modify the buffers they get (nobody in the code base does).
 */
export class RecentBlobs implements BlobStore {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    /** The store underneath (tests look at the S3 keys it writes). */
    readonly inner: BlobStore,
    private readonly maxBytes = 16 * 1024 * 1024,
    private readonly maxEntryBytes = 256 * 1024,
  ) {}

  async put(data: Buffer): Promise<BlobInfo> {
    const info = await this.inner.put(data);
    this.remember(info.key, data);
    return info;
  }

  async get(key: string): Promise<Buffer> {
    return this.entries.get(key) ?? this.inner.get(key);
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    const hit = this.entries.get(key);
    return hit
      ? hit.subarray(Math.max(0, start), Math.max(start, end))
      : this.inner.getRange(key, start, end);
  }

  async exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }

  async delete(key: string): Promise<void> {
    this.forget(key);
    await this.inner.delete(key);
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  private remember(key: string, data: Buffer): void {
    if (data.length > this.maxEntryBytes || this.maxBytes === 0) return;
    this.forget(key);
    this.entries.set(key, data);
    this.bytes += data.length;
    for (const [oldest, buffer] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= buffer.length;
    }
  }

  private forget(key: string): void {
    const known = this.entries.get(key);
    if (!known) return;
    this.entries.delete(key);
    this.bytes -= known.length;
  }
}
