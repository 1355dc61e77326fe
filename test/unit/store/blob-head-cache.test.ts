import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../../core/adapters/local/file-blob-store';
import { BlobHeadCache } from '../../../core/store/blob-head-cache';

let dir: string;
let disk: FileBlobStore;
let reads: number;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-head-cache-'));
  disk = new FileBlobStore(dir);
  await disk.init();
  reads = 0;
  const getRange = disk.getRange.bind(disk);
  disk.getRange = (key, start, end) => {
    reads++;
    return getRange(key, start, end);
  };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const message = (n: number) =>
  Buffer.from(`Subject: message ${n}\r\nFrom: a@b.test\r\n\r\n${'body '.repeat(500)}`);

it('serves repeated header reads from memory, byte for byte', async () => {
  const cache = new BlobHeadCache(disk, 1024 * 1024);
  const { key } = await cache.put(message(1));
  const first = await cache.getRange(key, 0, 40);
  const again = await cache.getRange(key, 0, 40);
  expect(again.equals(first)).toBe(true);
  expect(first.toString()).toBe(message(1).subarray(0, 40).toString());
  expect(reads).toBe(1);
});

it('passes through reads that are not headers (offset or size)', async () => {
  const cache = new BlobHeadCache(disk, 1024 * 1024, 100);
  const { key } = await cache.put(message(2));
  await cache.getRange(key, 10, 40);
  await cache.getRange(key, 10, 40);
  await cache.getRange(key, 0, 2000);
  await cache.getRange(key, 0, 2000);
  expect(reads).toBe(4);
});

it('evicts the least recently used entries beyond its byte budget', async () => {
  const cache = new BlobHeadCache(disk, 100);
  const keys = [];
  for (let n = 0; n < 3; n++) keys.push((await cache.put(message(n))).key);
  await cache.getRange(keys[0], 0, 40); // read 1
  await cache.getRange(keys[1], 0, 40); // read 2 (80 bytes held)
  await cache.getRange(keys[0], 0, 40); // hit: keys[0] is now the most recent
  await cache.getRange(keys[2], 0, 40); // read 3: keys[1] goes
  expect(reads).toBe(3);
  await cache.getRange(keys[0], 0, 40); // still held
  expect(reads).toBe(3);
  await cache.getRange(keys[1], 0, 40); // evicted: read again
  expect(reads).toBe(4);
});

it('caches nothing with a budget of 0', async () => {
  const cache = new BlobHeadCache(disk, 0);
  const { key } = await cache.put(message(3));
  await cache.getRange(key, 0, 40);
  await cache.getRange(key, 0, 40);
  expect(reads).toBe(2);
});
