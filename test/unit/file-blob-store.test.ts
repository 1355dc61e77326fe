import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../core/adapters/local/file-blob-store';
import { StorageUnavailableError } from '../../core/ports/sql';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'nimbus-blobs-'));
});

afterEach(async () => {
  jest.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

/** Buffers whose keys share both directory levels (so they land in one directory). */
let found: Buffer[] = [];
function sameDirectory(count: number): Buffer[] {
  if (found.length >= count) return found.slice(0, count);
  found = [];
  const prefix = createHash('sha256').update('0').digest('hex').slice(0, 4);
  for (let i = 0; found.length < count; i++) {
    const data = Buffer.from(String(i));
    if (createHash('sha256').update(data).digest('hex').startsWith(prefix)) found.push(data);
  }
  return found.slice();
}

describe('FileBlobStore', () => {
  it('stores concurrent puts, duplicates included, and leaves nothing in tmp', async () => {
    const store = new FileBlobStore(root);
    await store.init();
    const data = [...sameDirectory(8).slice(0, 6), ...sameDirectory(6)];
    const infos = await Promise.all(data.map((d) => store.put(d)));
    for (const [i, info] of infos.entries()) expect(await store.get(info.key)).toEqual(data[i]);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
    // A second store (a restarted node) finds the directories and overwrites a blob with its own bytes.
    const again = new FileBlobStore(root);
    await again.init();
    expect(await again.put(data[0])).toEqual(infos[0]);
    expect(await again.get(infos[0].key)).toEqual(data[0]);
  });

  it('reports a failed write as storage unavailable and removes its temporary file', async () => {
    const store = new FileBlobStore(root);
    await store.init();
    // A file where the blob's directory should be: the rename into it fails (ENOTDIR / EEXIST).
    const data = Buffer.from('lost');
    const dir = path.dirname(store.pathOf(createHash('sha256').update(data).digest('hex')));
    await fs.mkdir(path.dirname(dir), { recursive: true });
    await fs.writeFile(dir, 'not a directory');
    await expect(store.put(data)).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
  });
});

describe('FileBlobStore directories', () => {
  it('makes a directory again when it was removed behind its back', async () => {
    const store = new FileBlobStore(root);
    await store.init();
    const [first, second] = sameDirectory(2);
    const { key } = await store.put(first);
    await rm(path.dirname(store.pathOf(key)), { recursive: true });
    const info = await store.put(second);
    expect(await store.get(info.key)).toEqual(second);
  });
});
