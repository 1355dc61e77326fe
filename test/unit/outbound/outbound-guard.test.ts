/** Outbound counters, limits and signals over PGlite: the guard refuses message N+1, holds on a burst. */
import pino from 'pino';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import { AccountHolds } from '../../../core/outbound/account-holds';
import { DEFAULT_OUTBOUND_LIMITS, LimitStore } from '../../../core/outbound/limits';
import { OutboundGuard } from '../../../core/outbound/outbound-guard';
import { DEFAULT_SIGNALS, networkOf } from '../../../core/outbound/signals';
import { SqlSendCounters } from '../../../core/outbound/sql-send-counters';

let db: PgliteDatabase;
let now = new Date('2026-12-04T10:05:00Z');
const told: string[] = [];

function guard(signals = DEFAULT_SIGNALS): OutboundGuard {
  return new OutboundGuard(
    db,
    new SqlSendCounters(db),
    new LimitStore(db),
    new AccountHolds(db),
    signals,
    { accountHeld: async (a, r) => void told.push(`${a}: ${r}`) },
    pino({ level: 'silent' }),
    () => now,
  );
}

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
});
afterAll(() => db.close());
beforeEach(async () => {
  for (const t of [
    'send_counters',
    'send_counter_values',
    'outbound_limits',
    'outbound_account_holds',
    'outbound_activity',
  ]) {
    await db.query(`DELETE FROM ${t}`);
  }
  told.length = 0;
  now = new Date('2026-12-04T10:05:00Z');
});

describe('SqlSendCounters', () => {
  it('counts messages and distinct recipients per bucket, and counts nothing when refused', async () => {
    const c = new SqlSendCounters(db);
    const keys = [{ scope: 'user' as const, key: 'a@x.test' }];
    await c.count(keys, ['r1@y.test', 'r2@y.test'], now, () => true);
    const second = await c.count(keys, ['R1@y.test', 'r3@y.test'], now, () => true);
    const hour = second.after.find((w) => w.window === 'hour')!;
    expect(hour).toMatchObject({ messages: 2, recipients: 3 });
    const refused = await c.count(keys, ['r4@y.test'], now, () => false);
    expect(refused.counted).toBe(false);
    const read = await c.read(keys, now);
    expect(read.find((w) => w.window === 'day')).toMatchObject({ messages: 2, recipients: 3 });
    const nextHour = await c.read(keys, new Date(now.getTime() + 3_600_000));
    expect(nextHour.find((w) => w.window === 'hour')).toMatchObject({ messages: 0 });
    expect(nextHour.find((w) => w.window === 'day')).toMatchObject({ messages: 2 });
  });

  it('counts distinct values (login networks)', async () => {
    const c = new SqlSendCounters(db);
    const key = { scope: 'login' as const, key: 'a@x.test' };
    expect(await c.noteDistinct(key, 'hour', '10.1.0.0/16', now)).toBe(1);
    expect(await c.noteDistinct(key, 'hour', '10.1.0.0/16', now)).toBe(1);
    expect(await c.noteDistinct(key, 'hour', '10.2.0.0/16', now)).toBe(2);
  });

  it('prunes buckets older than a day', async () => {
    const c = new SqlSendCounters(db);
    await c.count([{ scope: 'ip', key: '127.0.0.1' }], ['r@y.test'], now, () => true);
    expect(await c.prune(new Date(now.getTime() + 3 * 86_400_000))).toBeGreaterThan(0);
    expect((await c.read([{ scope: 'ip', key: '127.0.0.1' }], now))[0].messages).toBe(0);
  });
});

describe('LimitStore', () => {
  it('resolves configured defaults, then per-user and per-domain overrides', async () => {
    const limits = new LimitStore(db);
    await limits.set('user', 'A@x.test', { messagesPerHour: 3 });
    await limits.set('domain', 'x.test', { messagesPerDay: 7 });
    const [user, domain, ip] = await limits.resolve([
      { scope: 'user', key: 'a@x.test' },
      { scope: 'domain', key: 'x.test' },
      { scope: 'ip', key: '127.0.0.1' },
    ]);
    expect(user).toEqual({ ...DEFAULT_OUTBOUND_LIMITS.user, messagesPerHour: 3 });
    expect(domain.messagesPerDay).toBe(7);
    expect(ip).toEqual(DEFAULT_OUTBOUND_LIMITS.ip);
    await limits.set('user', 'a@x.test', { messagesPerHour: null });
    expect((await limits.resolve([{ scope: 'user', key: 'a@x.test' }]))[0]).toEqual(
      DEFAULT_OUTBOUND_LIMITS.user,
    );
    expect(await limits.clear('domain', 'x.test')).toBe(true);
    expect(await limits.list()).toHaveLength(1);
  });
});

describe('OutboundGuard', () => {
  it('refuses message N+1 in an hour with a temporary refusal, and over the day permanently', async () => {
    await new LimitStore(db).set('user', 'a@x.test', { messagesPerHour: 3, messagesPerDay: 5 });
    const g = guard();
    for (let i = 0; i < 3; i++)
      expect(await g.admit('a@x.test', '127.0.0.1', [`r${i}@y.test`])).toEqual({ kind: 'send' });
    expect(await g.precheck('a@x.test', '127.0.0.1')).toMatchObject({ kind: 'refuse', permanent: false });
    expect(await g.admit('a@x.test', '127.0.0.1', ['r9@y.test'])).toMatchObject({
      kind: 'refuse',
      permanent: false,
    });
    now = new Date('2026-12-04T11:05:00Z');
    expect(await g.precheck('a@x.test', '127.0.0.1')).toBeNull();
    expect((await g.admit('a@x.test', '127.0.0.1', ['r3@y.test'])).kind).toBe('send');
    expect((await g.admit('a@x.test', '127.0.0.1', ['r4@y.test'])).kind).toBe('send');
    expect(await g.admit('a@x.test', '127.0.0.1', ['r5@y.test'])).toMatchObject({
      kind: 'refuse',
      permanent: true,
    });
  });

  it('limits distinct recipients per day', async () => {
    await new LimitStore(db).set('user', 'a@x.test', { recipientsPerDay: 4 });
    const g = guard();
    expect((await g.admit('a@x.test', '127.0.0.1', ['1@y.test', '2@y.test', '3@y.test'])).kind).toBe('send');
    expect((await g.admit('a@x.test', '127.0.0.1', ['1@y.test', '2@y.test'])).kind).toBe('send');
    expect(await g.admit('a@x.test', '127.0.0.1', ['4@y.test', '5@y.test'])).toMatchObject({
      kind: 'refuse',
      permanent: true,
    });
  });

  it('holds the account on a recipient burst and tells once; held mail stays held', async () => {
    const g = guard({ ...DEFAULT_SIGNALS, burstRecipients: 4 });
    expect((await g.admit('a@x.test', '127.0.0.1', ['1@y.test', '2@y.test', '3@y.test'])).kind).toBe('send');
    const held = await g.admit('a@x.test', '127.0.0.1', ['4@y.test', '5@y.test']);
    expect(held).toMatchObject({ kind: 'hold', reason: expect.stringContaining('recipient burst') });
    expect((await g.admit('a@x.test', '127.0.0.1', ['6@y.test'])).kind).toBe('hold');
    expect(told).toHaveLength(1);
    expect(await g.holds.release('a@x.test')).toBe(true);
    expect((await g.admit('a@x.test', '127.0.0.1', ['1@y.test'])).kind).toBe('send');
  });

  it('holds after logins from many networks', async () => {
    const g = guard({ ...DEFAULT_SIGNALS, loginNetworksPerHour: 2 });
    await g.noteLogin('a@x.test', '10.1.2.3');
    await g.noteLogin('a@x.test', '10.1.9.9');
    await g.noteLogin('a@x.test', '10.2.0.1');
    expect(await g.holds.get('a@x.test')).toBeNull();
    await g.noteLogin('a@x.test', '192.168.0.1');
    expect((await g.holds.get('a@x.test'))?.reason).toContain('networks');
  });

  it('holds a burst after a long quiet', async () => {
    const g = guard({ ...DEFAULT_SIGNALS, quietBurstMessages: 2 });
    await g.admit('a@x.test', '127.0.0.1', ['1@y.test']);
    now = new Date(now.getTime() + 40 * 86_400_000);
    expect((await g.admit('a@x.test', '127.0.0.1', ['1@y.test'])).kind).toBe('send');
    expect((await g.admit('a@x.test', '127.0.0.1', ['1@y.test'])).kind).toBe('send');
    expect((await g.admit('a@x.test', '127.0.0.1', ['1@y.test'])).kind).toBe('hold');
  });

  it("holds after too many remote refusals of the account's mail (alias senders count; DSNs, SRS do not)", async () => {
    await db.query(`INSERT INTO domains (name) VALUES ('x.test') ON CONFLICT DO NOTHING`);
    await db.query(
      `INSERT INTO accounts (domain_id, address, password_hash)
       SELECT id, 'a@x.test', 'x' FROM domains WHERE name = 'x.test' ON CONFLICT DO NOTHING`,
    );
    await db.query(
      `INSERT INTO aliases (domain_id, source, target)
       SELECT id, 'sales@x.test', 'a@x.test' FROM domains WHERE name = 'x.test' ON CONFLICT DO NOTHING`,
    );
    const g = guard({ ...DEFAULT_SIGNALS, rejectsPerHour: 2 });
    await g.noteReject('');
    await g.noteReject('SRS0=abcd=xy=x.test=a@x.test');
    await g.noteReject('nobody@x.test');
    await g.noteReject('A@x.test');
    await g.noteReject('sales@x.test');
    expect(await g.holds.get('a@x.test')).toBeNull();
    await g.noteReject('a@x.test');
    expect((await g.holds.get('a@x.test'))?.reason).toContain('refused by remote servers');
    expect(told).toHaveLength(1);
  });

  it('names networks: /16 for IPv4, /32 for IPv6', () => {
    expect(networkOf('10.1.2.3')).toBe('10.1.0.0/16');
    expect(networkOf('::ffff:10.1.2.3')).toBe('10.1.0.0/16');
    expect(networkOf('2001:db8:1::5')).toBe('2001:db8::/32');
  });
});
