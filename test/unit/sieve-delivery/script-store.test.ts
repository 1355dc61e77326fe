/** SieveScriptStore over PGlite: names, one active script, quotas, validation, global scripts. */
import fc from 'fast-check';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import { Directory } from '../../../core/directory/directory';
import { SieveScriptStore, validScriptName } from '../../../core/sieve/script-store';

let db: PgliteDatabase;
let store: SieveScriptStore;
let id: string;
let other: string;

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  const directory = new Directory(db);
  await directory.addDomain('store.test');
  id = String((await directory.addAccount('ann@store.test', 'ann-password-1')).id);
  other = String((await directory.addAccount('bob@store.test', 'bob-password-1')).id);
  store = new SieveScriptStore(db, { maxScriptBytes: 200, maxScripts: 3, maxRedirects: 4, maxSteps: 1000 });
});

afterAll(async () => {
  await db.close();
});

describe('script names (RFC 5804 §1.6)', () => {
  it('accepts 1..128 characters without controls', () => {
    expect(validScriptName('main')).toBe(true);
    expect(validScriptName('Ünïcødé 📨')).toBe(true);
    expect(validScriptName('x'.repeat(128))).toBe(true);
    for (const bad of ['', 'x'.repeat(129), 'a\nb', 'a\u0000', 'a\u007f', 'a\u0085', 'a\u2028', '\ud800'])
      expect(validScriptName(bad)).toBe(false);
  });

  it('never throws, and refuses any name with a control character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (name) => {
        const ok = validScriptName(name);
        if (/[\u0000-\u001f\u007f-\u009f]/.test(name) || name.length === 0) expect(ok).toBe(false);
      }),
    );
  });
});

describe('SieveScriptStore', () => {
  it('stores, lists and reads scripts per account', async () => {
    const put = await store.put(id, 'main', 'keep;');
    expect(put).toMatchObject({
      ok: true,
      record: { name: 'main', content: 'keep;', active: false, size: 5 },
    });
    expect((await store.list(id)).map((s) => s.name)).toEqual(['main']);
    expect(await store.list(other)).toEqual([]);
    expect(await store.get(other, 'main')).toBeNull();
    const record = put.ok ? put.record : null;
    expect((await store.getById(id, record!.id))?.name).toBe('main');
    expect(await store.getById(other, record!.id)).toBeNull();
    expect(await store.getById(id, 'not-a-number')).toBeNull();
  });

  it('refuses scripts that do not compile, with the position', async () => {
    const r = await store.put(id, 'broken', 'if true {');
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ error: { line: expect.any(Number), message: expect.any(String) } });
    expect(await store.get(id, 'broken')).toBeNull();
    expect(store.check('keep;').ok).toBe(true);
  });

  it('enforces the size and count quotas', async () => {
    expect(await store.put(id, 'big', `# ${'x'.repeat(300)}\nkeep;`)).toEqual({ ok: false, quota: 'size' });
    await store.put(id, 'two', 'keep;');
    await store.put(id, 'three', 'keep;');
    expect(await store.put(id, 'four', 'keep;')).toEqual({ ok: false, quota: 'count' });
    // Replacing an existing script is not a new one.
    expect((await store.put(id, 'three', 'discard;')).ok).toBe(true);
  });

  it('keeps one active script; the active one cannot be deleted', async () => {
    expect(await store.setActive(id, 'nope')).toBe('missing');
    expect(await store.setActive(id, 'main')).toBe('ok');
    expect(await store.setActive(id, 'two')).toBe('ok');
    expect((await store.active(id))?.name).toBe('two');
    expect((await store.list(id)).filter((s) => s.active).map((s) => s.name)).toEqual(['two']);
    expect(await store.remove(id, 'two')).toBe('active');
    expect(await store.setActive(id, null)).toBe('ok');
    expect(await store.active(id)).toBeNull();
    expect(await store.remove(id, 'two')).toBe('ok');
    expect(await store.remove(id, 'two')).toBe('missing');
  });

  it('renames, refusing an existing target', async () => {
    expect(await store.rename(id, 'three', 'main')).toBe('exists');
    expect(await store.rename(id, 'gone', 'new')).toBe('missing');
    expect(await store.rename(id, 'three', 'renamed')).toBe('ok');
    expect((await store.get(id, 'renamed'))?.content).toBe('discard;');
  });

  it('stores global scripts per domain and phase', async () => {
    expect(await store.getGlobal('store.test', 'before')).toBeNull();
    expect(await store.putGlobal('store.test', 'before', 'keep;')).toEqual({ ok: true });
    expect(await store.putGlobal('Store.TEST', 'before', 'discard;')).toEqual({ ok: true });
    expect(await store.getGlobal('store.test', 'before')).toBe('discard;');
    expect(await store.getGlobal('store.test', 'after')).toBeNull();
    expect(await store.putGlobal('nowhere.test', 'after', 'keep;')).toEqual({ ok: false, missing: 'domain' });
    expect((await store.putGlobal('store.test', 'after', 'if {')).ok).toBe(false);
    expect(await store.removeGlobal('store.test', 'before')).toBe('ok');
    expect(await store.removeGlobal('store.test', 'before')).toBe('missing');
  });
});
