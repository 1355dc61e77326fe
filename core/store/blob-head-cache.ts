import type { BlobInfo, BlobStore } from '../ports/blob-store';

/**
 * Keeps the first bytes of blobs that readers ask for from offset 0 — in practice message
 * headers, which IMAP clients fetch again and again for their list views (HEADER.FIELDS,
 * ENVELOPE-less headers) — in memory, least recently used first out. Blobs are content-addressed
 * and immutable, so an entry never goes stale. Everything else passes straight through.
 */
export class BlobHeadCache implements BlobStore {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    private readonly inner: BlobStore,
    private readonly maxBytes = 32 * 1024 * 1024,
    /** Longer reads are not cached: they are bodies, not headers. */
    private readonly maxEntryBytes = 16 * 1024,
  ) {}

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    if (start !== 0 || end > this.maxEntryBytes || this.maxBytes === 0) {
      return this.inner.getRange(key, start, end);
    }
    const id = `${key}:${end}`;
    const hit = this.entries.get(id);
    if (hit) {
      // Re-insert: Map iteration order is insertion order, so the oldest entry comes first.
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit;
    }
    const data = await this.inner.getRange(key, start, end);
    this.entries.set(id, data);
    this.bytes += data.length;
    for (const [oldId, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldId);
      this.bytes -= old.length;
    }
    return data;
  }

  put(data: Buffer): Promise<BlobInfo> {
    return this.inner.put(data);
  }
  get(key: string): Promise<Buffer> {
    return this.inner.get(key);
  }
  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  check(): Promise<void> {
    return this.inner.check();
  }
}
