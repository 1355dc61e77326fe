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

  it('fsyncs the directory after every rename (a sync may serve several puts)', async () => {
    const store = new FileBlobStore(root);
    await store.init();
    const events: string[] = [];
    const rename = fs.rename.bind(fs);
    jest.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
      await rename(from, to);
      events.push(`rename ${path.basename(String(to))}`);
    });
    const open = fs.open.bind(fs);
    jest.spyOn(fs, 'open').mockImplementation(async (file, flags, mode) => {
      const handle = await open(file, flags, mode);
      if (flags === 'r') events.push(`sync ${path.relative(root, String(file))}`);
      return handle;
    });
    const data = sameDirectory(8);
    const infos = await Promise.all(data.map((d) => store.put(d)));
    const dir = path.relative(root, path.dirname(store.pathOf(infos[0].key)));
    for (const { key } of infos) {
      const renamed = events.indexOf(`rename ${key}`);
      expect(renamed).toBeGreaterThanOrEqual(0);
      expect(events.indexOf(`sync ${dir}`, renamed)).toBeGreaterThan(renamed);
    }
    // The new directories' entries are made durable in their parents.
    expect(events).toContain(`sync ${path.dirname(dir)}`);
    expect(events).toContain('sync ');
  });

  it('reports a failed write as storage unavailable and removes its temporary file', async () => {
    const store = new FileBlobStore(root);
    await store.init();
    jest.spyOn(fs, 'rename').mockRejectedValue(Object.assign(new Error('EIO'), { code: 'EIO' }));
    await expect(store.put(Buffer.from('lost'))).rejects.toBeInstanceOf(StorageUnavailableError);
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
