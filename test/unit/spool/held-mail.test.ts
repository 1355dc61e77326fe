/** HeldMail over PGlite: hold (idempotent), filters, crash-safe release to the spool, purge with blob refs. */
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { SqlSpool } from '../../../core/adapters/sql/sql-spool';
import { runMigrations } from '../../../core/db/migrate';
import type { SpoolPayload } from '../../../core/ports/spool';
import { HeldMail } from '../../../core/spool/held-mail';
import { acquireBlob } from '../../../core/store/blob-refs';

let db: PgliteDatabase;
let held: HeldMail;
let spool: SqlSpool;

function payload(queueId: string, to: string): SpoolPayload {
  return {
    queueId,
    blobKey: `blob-${queueId}`,
    size: 10,
    mailFrom: 'a@src.test',
    recipients: [{ address: to }],
    receivedAt: new Date().toISOString(),
  };
}

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  held = new HeldMail(db);
  spool = new SqlSpool(db);
});

afterAll(async () => {
  await db.close();
});

beforeEach(async () => {
  await db.query('DELETE FROM held_mail');
  await db.query('DELETE FROM spool_jobs');
});

async function holdFor(id: string, domain: string): Promise<void> {
  await held.hold({
    id,
    queue: 'outbound',
    payload: payload(id, `u@${domain}`),
    reason: 'relay-domain',
    domain,
    account: null,
    note: 'test',
  });
}

describe('HeldMail', () => {
  it('holds idempotently and lists by domain, subdomains, reason and account', async () => {
    await holdFor('j1', 'Example.ORG');
    await holdFor('j1', 'example.org');
    await holdFor('j2', 'mx.example.org');
    await holdFor('j3', 'badexample.org');
    await held.hold({
      id: 'j4',
      queue: 'outbound',
      payload: payload('j4', 'x@far.test'),
      reason: 'account',
      domain: null,
      account: 'Ann@Local.test',
      note: 'signal: recipient burst',
    });
    expect((await held.list({ domain: 'example.org' })).map((m) => m.id)).toEqual(['j1']);
    const withSubs = await held.list({ domain: 'EXAMPLE.org', includeSubdomains: true });
    expect(withSubs.map((m) => m.id).sort()).toEqual(['j1', 'j2']);
    expect(await held.count({ reason: 'relay-domain' })).toBe(3);
    const [acc] = await held.list({ account: 'ann@local.test' });
    expect(acc).toMatchObject({ id: 'j4', reason: 'account', account: 'ann@local.test', domain: null });
    expect(acc!.payload.recipients[0]!.address).toBe('x@far.test');
    expect(acc!.heldAt).toBeInstanceOf(Date);
    expect(await held.count()).toBe(4);
    expect(await held.list({ limit: 2 })).toHaveLength(2);
  });

  it('releases to the spool with the release marker, and a repeated release is a no-op', async () => {
    await holdFor('r1', 'example.org');
    await holdFor('r2', 'sub.example.org');
    await holdFor('r3', 'other.test');
    expect(await held.release(spool, { domain: 'example.org', includeSubdomains: true })).toBe(2);
    expect(await held.release(spool, { domain: 'example.org', includeSubdomains: true })).toBe(0);
    const jobs = await spool.list({ queue: 'outbound' });
    expect(jobs.map((j) => j.id).sort()).toEqual(['r1', 'r2']);
    expect(jobs.every((j) => j.payload.released === true)).toBe(true);
    expect((await held.list()).map((m) => m.id)).toEqual(['r3']);
  });

  it("an account hold's release carries no relay-domain release marker", async () => {
    await held.hold({
      id: 'a1',
      queue: 'outbound',
      payload: payload('a1', 'x@hold.test'),
      reason: 'account',
      domain: null,
      account: 'ann@local.test',
      note: null,
    });
    expect(await held.release(spool, { reason: 'account', account: 'ann@local.test' })).toBe(1);
    const job = await spool.get('a1');
    expect(job?.payload.released).toBeUndefined();
  });

  it('a release after a crash between enqueue and delete keeps one job', async () => {
    await holdFor('c1', 'example.org');
    await spool.enqueue('outbound', 'c1', payload('c1', 'u@example.org'));
    expect(await held.release(spool, { domain: 'example.org' })).toBe(1);
    expect(await spool.list({ queue: 'outbound' })).toHaveLength(1);
  });

  it('purge deletes the rows and releases their blob references', async () => {
    await acquireBlob(db, 'blob-p1', 10, 1);
    await holdFor('p1', 'purge.test');
    await holdFor('p2', 'keep.test');
    expect(await held.purge({ domain: 'purge.test' })).toBe(1);
    const blob = await db.query<{ refcount: number }>(`SELECT refcount FROM blobs WHERE key = 'blob-p1'`);
    expect(Number(blob.rows[0]!.refcount)).toBe(0);
    expect((await held.list()).map((m) => m.id)).toEqual(['p2']);
  });
});
