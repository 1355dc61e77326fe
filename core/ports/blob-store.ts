/**
 * The message store port: immutable, content-addressed blobs (key = sha256 of the bytes).
 * Reference counts live in SQL (core/store/blob-refs.ts); adapters only hold bytes.
 */
export interface BlobInfo {
  key: string;
  size: number;
}

export interface BlobStore {
  /** Stores the bytes durably (fsync or the service's acknowledgement) before resolving. */
  put(data: Buffer): Promise<BlobInfo>;
  get(key: string): Promise<Buffer>;
  /** Bytes [start, end) of a blob, for partial fetches. */
  getRange(key: string, start: number, end: number): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Health check: can we write right now? */
  check(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  constructor(key: string) {
    super(`blob ${key} not found`);
    this.name = 'BlobNotFoundError';
  }
}
