/**
 * The BlobStore contract: every adapter (local disk, S3) must pass it unchanged. Also runs the
 * SQL reference-count / garbage-collection protocol (core/store/blob-refs.ts) over the adapter.
 */
import { createHash, randomBytes } from 'node:crypto';
import { BlobNotFoundError, type BlobStore } from '../../core/ports/blob-store';
import type { SqlDatabase } from '../../core/ports/sql';
import { acquireBlob, collectGarbage, ensureStored, releaseBlob } from '../../core/store/blob-refs';

export interface BlobStoreFixture {
  store: BlobStore;
  /** A database with the migrations applied, for the refcount/GC protocol. */
  db: SqlDatabase;
  /** Bytes above which the adapter takes its large-object path (multipart on S3). */
  largeSize: number;
}

export function blobStoreContract(name: string, fixture: () => BlobStoreFixture): void {
  describe(`BlobStore contract: ${name}`, () => {
    const store = () => fixture().store;

    test('put stores bytes under their sha256 and get returns them', async () => {
      const data = Buffer.from(`Subject: hello\r\n\r\n${randomBytes(8).toString('hex')}\r\n`);
      const info = await store().put(data);
      expect(info).toEqual({ key: createHash('sha256').update(data).digest('hex'), size: data.length });
      expect(await store().exists(info.key)).toBe(true);
      expect((await store().get(info.key)).equals(data)).toBe(true);
    });

    test('every byte value survives; the same bytes twice give one key', async () => {
      const data = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(1000)]);
      const a = await store().put(data);
      const b = await store().put(data);
      expect(b.key).toBe(a.key);
      expect((await store().get(a.key)).equals(data)).toBe(true);
    });

    test('getRange returns [start, end), clipped at the end of the blob', async () => {
      const data = randomBytes(4096);
      const { key } = await store().put(data);
      expect((await store().getRange(key, 0, 10)).equals(data.subarray(0, 10))).toBe(true);
      expect((await store().getRange(key, 1000, 3000)).equals(data.subarray(1000, 3000))).toBe(true);
      expect((await store().getRange(key, 4000, 9000)).equals(data.subarray(4000))).toBe(true);
      expect((await store().getRange(key, 5000, 6000)).length).toBe(0);
      expect((await store().getRange(key, 7, 7)).length).toBe(0);
    });

    test('missing blobs: exists false, get and getRange throw BlobNotFoundError, delete is a no-op', async () => {
      const key = createHash('sha256').update(randomBytes(16)).digest('hex');
      expect(await store().exists(key)).toBe(false);
      await expect(store().get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(store().getRange(key, 0, 5)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(store().delete(key)).resolves.toBeUndefined();
    });

    test('delete removes a blob', async () => {
      const { key } = await store().put(randomBytes(100));
      await store().delete(key);
      expect(await store().exists(key)).toBe(false);
    });

    test('invalid keys are refused', async () => {
      await expect(store().get('../../etc/passwd')).rejects.toThrow();
    });

    test('check succeeds when the store is writable', async () => {
      await expect(store().check()).resolves.toBeUndefined();
    });

    test('a large message (the multipart path) round-trips, ranges across part boundaries too', async () => {
      const data = randomBytes(fixture().largeSize + 12345);
      const { key, size } = await store().put(data);
      expect(size).toBe(data.length);
      const back = await store().get(key);
      expect(back.equals(data)).toBe(true);
      const mid = fixture().largeSize - 100;
      expect((await store().getRange(key, mid, mid + 300)).equals(data.subarray(mid, mid + 300))).toBe(true);
    });

    test('reference counting: the collector deletes only blobs unreferenced past the grace period', async () => {
      const { db } = fixture();
      const kept = await store().put(randomBytes(64));
      const dropped = await store().put(randomBytes(64));
      await db.transaction(async (tx) => {
        await acquireBlob(tx, kept.key, kept.size, 2);
        await acquireBlob(tx, dropped.key, dropped.size);
      });
      await db.transaction(async (tx) => {
        await releaseBlob(tx, kept.key);
        await releaseBlob(tx, dropped.key);
      });
      // Within the grace period nothing goes.
      expect(await collectGarbage(db, store(), { graceSeconds: 3600 })).toBe(0);
      await db.query(`UPDATE blobs SET updated_at = now() - interval '2 hours' WHERE key = ANY($1::text[])`, [
        [kept.key, dropped.key],
      ]);
      expect(await collectGarbage(db, store(), { graceSeconds: 3600 })).toBeGreaterThanOrEqual(1);
      expect(await store().exists(dropped.key)).toBe(false);
      expect(await store().exists(kept.key)).toBe(true);
    });

    test('race with a concurrent delivery: a writer whose blob was collected stores it again', async () => {
      const { db } = fixture();
      const data = randomBytes(64);
      const info = await store().put(data);
      // An old unreferenced row for the same content: the collector takes it…
      await db.query(
        `INSERT INTO blobs (key, size, refcount, updated_at) VALUES ($1, $2, 0, now() - interval '2 hours')
         ON CONFLICT (key) DO UPDATE SET refcount = 0, updated_at = now() - interval '2 hours'`,
        [info.key, info.size],
      );
      expect(await collectGarbage(db, store(), { graceSeconds: 3600 })).toBeGreaterThanOrEqual(1);
      // …after our put and before our reference committed. ensureStored (after the commit) repairs it.
      await db.transaction((tx) => acquireBlob(tx, info.key, info.size));
      await ensureStored(store(), info.key, data);
      expect((await store().get(info.key)).equals(data)).toBe(true);
    });
  });
}
