import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import { Directory } from '../../../core/directory/directory';
import { RecipientCache } from '../../../core/directory/recipient-cache';
import type { Resolution } from '../../../core/directory/types';

const resolved: Resolution = { kind: 'resolved', accounts: [], remote: ['x@remote.test'] };

describe('RecipientCache', () => {
  it('reuses a positive answer until its TTL has passed, and shares one lookup between callers', async () => {
    let now = 1_000;
    const cache = new RecipientCache(5, () => now);
    const lookup = jest.fn(async () => resolved);
    const [a, b] = await Promise.all([
      cache.resolve('Ann@X.test', lookup),
      cache.resolve('ann@x.test', lookup),
    ]);
    expect(a).toBe(resolved);
    expect(b).toBe(resolved);
    expect(lookup).toHaveBeenCalledTimes(1);
    now += 4_999;
    await cache.resolve('ann@x.test', lookup);
    expect(lookup).toHaveBeenCalledTimes(1);
    now += 1;
    await cache.resolve('ann@x.test', lookup);
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it('keeps no negative answer and no failure', async () => {
    const cache = new RecipientCache(60);
    const unknown = jest.fn(async (): Promise<Resolution> => ({ kind: 'unknown-user' }));
    await cache.resolve('new@x.test', unknown);
    await cache.resolve('new@x.test', unknown);
    expect(unknown).toHaveBeenCalledTimes(2);
    const notHosted = jest.fn(async () => false);
    await cache.isLocalDomain('x.test', notHosted);
    await cache.isLocalDomain('x.test', notHosted);
    expect(notHosted).toHaveBeenCalledTimes(2);
    const failing = jest.fn(async (): Promise<Resolution> => {
      throw new Error('database down');
    });
    await expect(cache.resolve('a@x.test', failing)).rejects.toThrow('database down');
    await expect(cache.resolve('a@x.test', failing)).rejects.toThrow('database down');
    expect(failing).toHaveBeenCalledTimes(2);
  });

  it('forgets everything on clear() and the oldest entry beyond its bound; 0 seconds disables it', async () => {
    const cache = new RecipientCache(60, Date.now, 2);
    const lookup = jest.fn(async () => resolved);
    await cache.resolve('a@x.test', lookup);
    cache.clear();
    await cache.resolve('a@x.test', lookup);
    expect(lookup).toHaveBeenCalledTimes(2);
    await cache.resolve('b@x.test', lookup);
    await cache.resolve('c@x.test', lookup);
    expect(cache.size).toBe(2);
    await cache.resolve('a@x.test', lookup);
    expect(lookup).toHaveBeenCalledTimes(5);

    const off = new RecipientCache(0);
    const counted = jest.fn(async () => true);
    await off.isLocalDomain('x.test', counted);
    await off.isLocalDomain('x.test', counted);
    expect(counted).toHaveBeenCalledTimes(2);
    expect(off.size).toBe(0);
  });
});

describe('Directory recipient cache', () => {
  let db: PgliteDatabase;
  let directory: Directory;

  beforeAll(async () => {
    db = await PgliteDatabase.open(undefined);
    await runMigrations(db);
    directory = new Directory(db, { recipientCacheSeconds: 3600 });
    await directory.addDomain('cache.test');
    await directory.addAccount('ann@cache.test', 'ann-password-1');
    await directory.addAccount('ben@cache.test', 'ben-password-1');
  });

  afterAll(async () => {
    await db.close();
  });

  const kind = async (address: string) => (await directory.cachedResolve(address)).kind;

  it('sees a change made elsewhere only after the TTL, while resolve() (delivery) reads afresh', async () => {
    expect(await kind('ann@cache.test')).toBe('resolved');
    // As another node would: straight in the database, not through this Directory.
    await db.query(`UPDATE accounts SET disabled = true WHERE address = 'ann@cache.test'`);
    expect(await kind('ann@cache.test')).toBe('resolved');
    expect((await directory.resolve('ann@cache.test')).kind).toBe('unknown-user');
    await db.query(`UPDATE accounts SET disabled = false WHERE address = 'ann@cache.test'`);
  });

  it('clears on every directory change made in this process', async () => {
    expect(await kind('ben@cache.test')).toBe('resolved');
    await directory.setDisabled('ben@cache.test', true);
    expect(await kind('ben@cache.test')).toBe('unknown-user');
    await directory.setDisabled('ben@cache.test', false);
    expect(await kind('ben@cache.test')).toBe('resolved');

    await directory.removeAccount('ben@cache.test');
    expect(await kind('ben@cache.test')).toBe('unknown-user');

    await directory.setCatchAll('cache.test', 'ann@cache.test');
    expect(await kind('anyone@cache.test')).toBe('resolved');
    await directory.setCatchAll('cache.test', null);
    expect(await kind('anyone@cache.test')).toBe('unknown-user');

    await directory.addAlias('team@cache.test', ['ann@cache.test']);
    expect(await kind('team@cache.test')).toBe('resolved');
    await directory.removeAlias('team@cache.test');
    expect(await kind('team@cache.test')).toBe('unknown-user');

    expect(await directory.cachedIsLocalDomain('cache.test')).toBe(true);
    await directory.removeDomain('cache.test', { force: true });
    expect(await directory.cachedIsLocalDomain('cache.test')).toBe(false);
    expect(await kind('ann@cache.test')).toBe('not-local');
  });
});
