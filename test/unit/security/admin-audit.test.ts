import fc from 'fast-check';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { SqlSpool } from '../../../core/adapters/sql/sql-spool';
import {
  executeAdminCommand,
  SYSTEM_ORIGIN,
  type AdminCommand,
  type AdminContext,
  type AdminOrigin,
} from '../../../core/admin/admin-commands';
import { runMigrations } from '../../../core/db/migrate';
import { findCycle } from '../../../core/directory/alias-graph';
import { Directory } from '../../../core/directory/directory';
import { exportConfig } from '../../../core/webadmin/config-profile';

/** core/admin against PGlite: audit entries, the password policy and loop refusal on every path. */
let db: PgliteDatabase;
let ctx: AdminContext;
const CLI: AdminOrigin = { actor: 'cli:operator' };
const run = (command: AdminCommand, origin: AdminOrigin = CLI) => executeAdminCommand(ctx, command, origin);

interface Row {
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
  outcome: string;
  old_value: unknown;
  new_value: unknown;
  at: Date;
}
const entries = async () =>
  (await db.query<Row>(`SELECT * FROM admin_audit ORDER BY id`)).rows.map((r) => ({
    ...r,
    at: new Date(r.at),
  }));

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  ctx = { db, directory: new Directory(db), spool: new SqlSpool(db) };
});

afterAll(async () => {
  await db.close();
});

beforeEach(async () => {
  await db.query(`DELETE FROM admin_audit`);
});

describe('audit log', () => {
  it('records each change with actor, target, old and new value and time; reads are not recorded', async () => {
    const before = Date.now() - 1000;
    await run({ op: 'domain.add', name: 'audit.test' });
    await run({ op: 'user.add', address: 'ann@audit.test', password: 'Glacier-Maple-74', quotaBytes: 1000 });
    await run({ op: 'user.quota', address: 'ann@audit.test', quotaBytes: 5000 }, { actor: 'root' });
    await run({ op: 'user.list' });
    await run({ op: 'security.set', key: 'greylisting', value: 'on', domain: 'audit.test' });
    await run({ op: 'domain.catchall', name: 'audit.test', target: 'ann@audit.test' });
    const log = await entries();
    expect(log.map((e) => [e.actor, e.action, e.target, e.outcome])).toEqual([
      ['cli:operator', 'domain.add', 'audit.test', 'ok'],
      ['cli:operator', 'user.add', 'ann@audit.test', 'ok'],
      ['root', 'user.quota', 'ann@audit.test', 'ok'],
      ['cli:operator', 'security.set', 'audit.test/greylisting', 'ok'],
      ['cli:operator', 'domain.catchall', 'audit.test', 'ok'],
    ]);
    expect(log[2]).toMatchObject({ old_value: { quotaBytes: 1000 }, new_value: { quotaBytes: 5000 } });
    expect(log[3]).toMatchObject({
      old_value: { value: false, source: 'default' },
      new_value: { value: true },
    });
    expect(log[4]).toMatchObject({
      old_value: { catchAll: null },
      new_value: { catchAll: 'ann@audit.test' },
    });
    for (const e of log) expect(e.at.getTime()).toBeGreaterThan(before);
  });

  it('records refused changes with their error, and never a password or a hash', async () => {
    await expect(
      run({ op: 'user.passwd', address: 'ann@audit.test', password: 'Harbour-Lantern-58' }),
    ).resolves.toBeTruthy();
    await expect(
      run({ op: 'user.add', address: 'ann@audit.test', password: 'Harbour-Lantern-59' }),
    ).rejects.toMatchObject({
      code: 'duplicate',
    });
    await expect(
      run({ op: 'admin.add', name: 'ops', password: 'Quartz-Ferry-Lodge-31' }),
    ).resolves.toBeTruthy();
    await run({ op: 'config.export' });
    const log = await entries();
    expect(log.map((e) => [e.action, e.outcome])).toEqual([
      ['user.passwd', 'ok'],
      ['user.add', 'error: duplicate'],
      ['admin.add', 'ok'],
      ['config.export', 'ok'],
    ]);
    const text = JSON.stringify(log);
    for (const secret of ['Harbour-Lantern-58', 'Harbour-Lantern-59', 'Quartz-Ferry-Lodge-31', '$scrypt$'])
      expect(text).not.toContain(secret);
    expect(log[0].detail).toMatchObject({ password: '***' });
  });
});

describe('password policy through core/admin', () => {
  it('refuses weak passwords from every outside origin (weak-password), not from in-process setup', async () => {
    for (const origin of [CLI, { actor: 'root' }, { actor: 'user:ann@audit.test' }]) {
      await expect(
        run({ op: 'user.passwd', address: 'ann@audit.test', password: 'password1' }, origin),
      ).rejects.toMatchObject({ code: 'weak-password', message: expect.stringMatching(/at least 10/) });
    }
    await expect(run({ op: 'user.add', address: 'weak@audit.test', password: 'x' })).rejects.toMatchObject({
      code: 'weak-password',
    });
    await expect(
      run({ op: 'user.add', address: 'weak@audit.test', password: 'weak@audit.test' }),
    ).rejects.toMatchObject({ code: 'weak-password', message: expect.stringMatching(/address/) });
    await expect(run({ op: 'admin.add', name: 'boss', password: 'password123' })).rejects.toMatchObject({
      code: 'weak-password',
    });
    await expect(
      run({ op: 'user.add', address: 'fixture@audit.test', password: 'pw' }, SYSTEM_ORIGIN),
    ).resolves.toBeTruthy();
    expect((await entries()).filter((e) => e.outcome === 'error: weak-password')).toHaveLength(6);
  });

  it('uses the configured policy, per domain', async () => {
    await run({ op: 'domain.add', name: 'lax.test' });
    await run({ op: 'security.set', key: 'password.minScore', value: '1', domain: 'lax.test' });
    await run({ op: 'security.set', key: 'password.minLength', value: '12', domain: 'lax.test' });
    await expect(
      run({ op: 'user.add', address: 'dana@lax.test', password: 'dana password' }),
    ).resolves.toBeTruthy();
    await expect(
      run({ op: 'user.add', address: 'eve@lax.test', password: 'Zq8#vLm2!x4' }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/at least 12/),
    });
    await expect(
      run({ op: 'user.add', address: 'dana@audit.test', password: 'dana password' }),
    ).rejects.toMatchObject({
      code: 'weak-password',
    });
    await expect(run({ op: 'security.set', key: 'password.minLength', value: '4' })).rejects.toMatchObject({
      code: 'invalid',
    });
  });
});

describe('alias loops', () => {
  it('refuses a self-alias, a two-alias loop and longer loops through forwarding', async () => {
    await run({ op: 'domain.add', name: 'loop.test' });
    await expect(
      run({ op: 'alias.add', source: 'a@loop.test', targets: ['A@loop.test'] }),
    ).rejects.toMatchObject({
      code: 'alias-loop',
      message: expect.stringMatching(/a@loop\.test → a@loop\.test/),
    });
    await run({ op: 'alias.add', source: 'a1@loop.test', targets: ['a2@loop.test'] });
    await expect(
      run({ op: 'alias.add', source: 'a2@loop.test', targets: ['a1@loop.test'] }),
    ).rejects.toMatchObject({
      code: 'alias-loop',
      message: expect.stringMatching(/a2@loop\.test → a1@loop\.test → a2@loop\.test/),
    });
    await run({ op: 'user.add', address: 'fwd@loop.test', password: 'Glacier-Maple-74' });
    await run({ op: 'alias.add', source: 'a2@loop.test', targets: ['fwd@loop.test', 'far@remote.test'] });
    await expect(
      run({ op: 'forward.set', address: 'fwd@loop.test', targets: ['a1@loop.test'], keepCopy: true }),
    ).rejects.toMatchObject({ code: 'alias-loop' });
    // Not a loop: a chain, and a target outside.
    await expect(
      run({ op: 'alias.add', source: 'a0@loop.test', targets: ['a1@loop.test'] }),
    ).resolves.toBeTruthy();
    const log = await entries();
    expect(log.filter((e) => e.outcome === 'error: alias-loop').map((e) => e.action)).toEqual([
      'alias.add',
      'alias.add',
      'forward.set',
    ]);
  });

  it('refuses a configuration profile that would close a loop, and imports one that does not', async () => {
    const profile = await exportConfig(db);
    const looped = {
      ...profile,
      aliases: [...profile.aliases, { source: 'fwd@loop.test', domain: 'loop.test', target: 'a0@loop.test' }],
    };
    await expect(run({ op: 'config.import', profile: looped })).rejects.toMatchObject({ code: 'alias-loop' });
    await expect(run({ op: 'config.import', profile })).resolves.toMatchObject({
      imported: expect.any(Object),
    });
  });

  it('property: findCycle finds a loop exactly when one exists', () => {
    const graph = fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 })), {
      maxLength: 14,
    });
    fc.assert(
      fc.property(graph, (pairs) => {
        const edges = new Map<string, string[]>();
        for (const [a, b] of pairs) edges.set(`n${a}`, [...(edges.get(`n${a}`) ?? []), `n${b}`]);
        // Brute force: some node reaches itself.
        const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
          (edges.get(from) ?? []).some(
            (n) => n === to || (!seen.has(n) && (seen.add(n), reaches(n, to, seen))),
          );
        const hasLoop = [...edges.keys()].some((n) => reaches(n, n));
        const cycle = findCycle(edges);
        expect(cycle !== null).toBe(hasLoop);
        if (cycle) {
          expect(cycle[0]).toBe(cycle[cycle.length - 1]);
          for (let i = 0; i + 1 < cycle.length; i++) expect(edges.get(cycle[i])).toContain(cycle[i + 1]);
        }
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
