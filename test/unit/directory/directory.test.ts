import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import { Directory } from '../../../core/directory/directory';
import { DirectoryError } from '../../../core/directory/errors';

let db: PgliteDatabase;
let directory: Directory;

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  directory = new Directory(db);
  await directory.addDomain('dir.test');
  await directory.addAccount('ann@dir.test', 'first-password', { quotaBytes: 1000 });
  await directory.addAccount('ben@dir.test', 'ben-password');
});

afterAll(async () => {
  await db.close();
});

describe('directory', () => {
  it('stores only a scrypt hash of the password', async () => {
    const row = await db.query<{ password_hash: string }>(
      `SELECT password_hash FROM accounts WHERE address = 'ann@dir.test'`,
    );
    expect(row.rows[0].password_hash).toMatch(/^\$scrypt\$N=\d+,r=8,p=1\$/);
    expect(row.rows[0].password_hash).not.toContain('first-password');
  });

  it('authenticates case-insensitively and forgets the old password after a change', async () => {
    expect(await directory.authenticate('ANN@Dir.Test', 'first-password')).toMatchObject({
      address: 'ann@dir.test',
    });
    expect(await directory.authenticate('ann@dir.test', 'wrong')).toBeNull();
    expect(await directory.authenticate('nobody@dir.test', 'first-password')).toBeNull();
    await directory.setPassword('ann@dir.test', 'second-password');
    expect(await directory.authenticate('ann@dir.test', 'first-password')).toBeNull();
    expect(await directory.authenticate('ann@dir.test', 'second-password')).not.toBeNull();
    await directory.setDisabled('ann@dir.test', true);
    expect(await directory.authenticate('ann@dir.test', 'second-password')).toBeNull();
    await directory.setDisabled('ann@dir.test', false);
  });

  it('resolves aliases recursively, survives loops and splits local from remote targets', async () => {
    await directory.addAlias('team@dir.test', ['ann@dir.test', 'ring@dir.test']);
    await expect(
      directory.addAlias('ring@dir.test', ['team@dir.test', 'ben@dir.test', 'outside@remote.test']),
    ).rejects.toMatchObject({ code: 'alias-loop' });
    await directory.addAlias('ring@dir.test', ['ben@dir.test', 'outside@remote.test']);
    // A loop that predates the check (or was written behind its back): routing still ends it.
    await db.query(
      `INSERT INTO aliases (domain_id, source, target) SELECT id, 'ring@dir.test', 'team@dir.test' FROM domains WHERE name = 'dir.test'`,
    );
    const resolution = await directory.resolve('Team@dir.test');
    expect(resolution.kind).toBe('resolved');
    if (resolution.kind !== 'resolved') return;
    expect(resolution.accounts.map((a) => a.address).sort()).toEqual(['ann@dir.test', 'ben@dir.test']);
    expect(resolution.remote).toEqual(['outside@remote.test']);
  });

  it('uses the catch-all only for unknown users', async () => {
    expect((await directory.resolve('ghost@dir.test')).kind).toBe('unknown-user');
    await directory.setCatchAll('dir.test', 'ben@dir.test');
    const caught = await directory.resolve('ghost@dir.test');
    expect(caught.kind === 'resolved' && caught.accounts.map((a) => a.address)).toEqual(['ben@dir.test']);
    const direct = await directory.resolve('ann@dir.test');
    expect(direct.kind === 'resolved' && direct.accounts.map((a) => a.address)).toEqual(['ann@dir.test']);
    await directory.setCatchAll('dir.test', null);
    expect((await directory.resolve('x@elsewhere.test')).kind).toBe('not-local');
  });

  it('refuses duplicates, unknown domains and aliases that shadow accounts', async () => {
    await expect(directory.addAccount('ann@dir.test', 'x')).rejects.toMatchObject({ code: 'duplicate' });
    await expect(directory.addAccount('x@nowhere.test', 'x')).rejects.toMatchObject({
      code: 'unknown-domain',
    });
    await expect(directory.addAlias('ann@dir.test', ['ben@dir.test'])).rejects.toBeInstanceOf(DirectoryError);
    await expect(directory.addAccount('team@dir.test', 'x')).rejects.toMatchObject({ code: 'duplicate' });
    await expect(directory.removeDomain('dir.test')).rejects.toMatchObject({ code: 'domain-not-empty' });
  });

  it('creates INBOX and the special-use folders with each account', async () => {
    const account = await directory.getAccount('ben@dir.test');
    const folders = await db.query<{ name: string; special_use: string | null }>(
      `SELECT name, special_use FROM mailboxes WHERE account_id = $1 ORDER BY name`,
      [account!.id],
    );
    expect(folders.rows).toEqual([
      { name: 'Archive', special_use: '\\Archive' },
      { name: 'Drafts', special_use: '\\Drafts' },
      { name: 'INBOX', special_use: null },
      { name: 'Junk', special_use: '\\Junk' },
      { name: 'Sent', special_use: '\\Sent' },
      { name: 'Trash', special_use: '\\Trash' },
    ]);
  });
});

describe('per-account forwarding', () => {
  beforeAll(async () => {
    await directory.addDomain('fwd.test');
    for (const name of ['fay', 'gus', 'hal', 'ivy']) await directory.addAccount(`${name}@fwd.test`, 'pw');
  });

  const route = async (address: string) => {
    const r = await directory.resolve(address);
    if (r.kind !== 'resolved') return r.kind;
    return { accounts: r.accounts.map((a) => a.address).sort(), remote: r.remote.sort() };
  };

  // Routing ends at the account: SieveDelivery applies the forwarding at delivery
  // (test/unit/sieve-delivery/executor.test.ts, test/e2e/forwarding.test.ts).
  it('stores targets, local or remote, keeping a copy by default; routing still ends at the account', async () => {
    await directory.forwarding.set('fay@fwd.test', ['Gus@fwd.test', 'Fay.Elsewhere@remote.test'], true);
    expect(await directory.forwarding.get('FAY@fwd.test')).toEqual({
      address: 'fay@fwd.test',
      targets: ['fay.elsewhere@remote.test', 'gus@fwd.test'],
      keepCopy: true,
    });
    expect(await route('fay@fwd.test')).toEqual({ accounts: ['fay@fwd.test'], remote: [] });
  });

  it('stores keepCopy false; an empty list turns forwarding off', async () => {
    await directory.forwarding.set('fay@fwd.test', ['gus@fwd.test'], false);
    expect(await directory.forwarding.get('fay@fwd.test')).toMatchObject({ keepCopy: false });
    await directory.forwarding.set('fay@fwd.test', [], true);
    expect(await route('fay@fwd.test')).toEqual({ accounts: ['fay@fwd.test'], remote: [] });
    expect(await directory.forwarding.list('fwd.test')).toEqual([]);
  });

  it('refuses loops through forwards and aliases; routing through an alias reaches the account', async () => {
    await directory.forwarding.set('hal@fwd.test', ['ivy@fwd.test'], false);
    await expect(directory.forwarding.set('ivy@fwd.test', ['hal@fwd.test'], false)).rejects.toMatchObject({
      code: 'alias-loop',
    });
    await directory.forwarding.set('ivy@fwd.test', ['gus@fwd.test'], false);
    await directory.addAlias('crew@fwd.test', ['hal@fwd.test']);
    expect(await route('crew@fwd.test')).toEqual({ accounts: ['hal@fwd.test'], remote: [] });
    expect((await directory.forwarding.list()).map((f) => f.address)).toEqual([
      'hal@fwd.test',
      'ivy@fwd.test',
    ]);
  });

  it('refuses bad targets, forwarding to itself and unknown accounts', async () => {
    await expect(directory.forwarding.set('gus@fwd.test', ['not an address'], true)).rejects.toMatchObject({
      code: 'bad-address',
    });
    await expect(directory.forwarding.set('gus@fwd.test', ['GUS@fwd.test'], true)).rejects.toMatchObject({
      code: 'invalid',
    });
    const many = Array.from({ length: 11 }, (_, i) => `t${i}@remote.test`);
    await expect(directory.forwarding.set('gus@fwd.test', many, true)).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(directory.forwarding.set('nobody@fwd.test', ['x@remote.test'], true)).rejects.toMatchObject({
      code: 'not-found',
    });
  });

  it('a disabled account neither receives nor forwards', async () => {
    await directory.forwarding.set('gus@fwd.test', ['x@remote.test'], true);
    await directory.setDisabled('gus@fwd.test', true);
    expect(await route('gus@fwd.test')).toBe('unknown-user');
    await directory.setDisabled('gus@fwd.test', false);
    await directory.forwarding.set('gus@fwd.test', [], true);
  });
});
