/** The BlobStore contract on the local-disk adapter (also the EFS adapter: a shared mount). */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../core/adapters/local/file-blob-store';
import { PgliteDatabase } from '../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../core/db/migrate';
import type { SqlDatabase } from '../../core/ports/sql';
import { blobStoreContract } from '../contracts/blob-store';

let dir: string;
let store: FileBlobStore;
let db: SqlDatabase;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nimbus-blobs-'));
  store = new FileBlobStore(dir);
  await store.init();
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
});

afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

blobStoreContract('local disk', () => ({ store, db, largeSize: 9 * 1024 * 1024 }));
