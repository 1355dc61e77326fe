import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../../core/adapters/local/file-blob-store';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { SqlSpool } from '../../../core/adapters/sql/sql-spool';
import { runMigrations } from '../../../core/db/migrate';
import { storeBatch, type BatchItem } from '../../../core/delivery/batch-store';
import { MessageAcceptor } from '../../../core/delivery/message-acceptor';
import { Directory } from '../../../core/directory/directory';
import type { LeasedJob } from '../../../core/ports/spool';

let db: PgliteDatabase;
let root: string;
let spool: SqlSpool;
let acceptor: MessageAcceptor;
let directory: Directory;

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  root = await mkdtemp(path.join(tmpdir(), 'nimbus-batch-store-'));
  const blobs = new FileBlobStore(root);
  await blobs.init();
  spool = new SqlSpool(db);
  acceptor = new MessageAcceptor(db, blobs, spool);
  directory = new Directory(db);
  await directory.addDomain('store.test');
  await directory.addAccount('ann@store.test', 'ann-password-1');
  await directory.addAccount('ben@store.test', 'ben-password-1');
});

afterAll(async () => {
  await db.close();
  await rm(root, { recursive: true, force: true });
});

const one = async <T>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows[0];

async function accountOf(address: string) {
  const row = await one<{ id: number }>(`SELECT id FROM accounts WHERE address = $1`, [address]);
  return { id: Number(row.id), address };
}

async function leased(...subjects: string[]): Promise<LeasedJob[]> {
  for (const subject of subjects)
    await acceptor.accept({
      data: Buffer.from(`Subject: ${subject}\r\n\r\nHello ${subject}\r\n`),
      mailFrom: 'x@remote.test',
      recipients: [{ address: 'ann@store.test' }, { address: 'ben@store.test' }],
    });
  return spool.receive('inbound', { max: 20, leaseSeconds: 60, owner: 'test' });
}

async function itemsFor(jobs: LeasedJob[], addresses: string[]): Promise<BatchItem[]> {
  const items: BatchItem[] = [];
  for (const job of jobs)
    for (const address of addresses) {
      const prefix = Buffer.from(`Delivered-To: ${address}\r\n`);
      items.push({
        job,
        account: await accountOf(address),
        prefix,
        structure: '{}',
        size: prefix.length + job.payload.size,
      });
    }
  return items;
}

const refcount = async (key: string) =>
  Number((await one<{ refcount: number }>(`SELECT refcount FROM blobs WHERE key = $1`, [key])).refcount);

describe('deliver_batch', () => {
  it('stores every copy in item order, settles references and usage, and acks in one statement', async () => {
    const jobs = await leased('a1', 'a2');
    const items = await itemsFor(jobs, ['ann@store.test', 'ben@store.test']);
    const before = await one<{ uidnext: number }>(
      `SELECT m.uidnext FROM mailboxes m JOIN accounts a ON a.id = m.account_id
       WHERE a.address = 'ann@store.test' AND m.name = 'INBOX'`,
    );
    const outcomes = await storeBatch(db, items, jobs, { ack: true });
    expect(outcomes.map((o) => o.kind)).toEqual(['stored', 'stored', 'stored', 'stored']);
    const annUids = outcomes.filter((_, i) => i % 2 === 0).map((o) => (o.kind === 'stored' ? o.uid : 0));
    expect(annUids).toEqual([Number(before.uidnext), Number(before.uidnext) + 1]);
    for (const job of jobs) {
      expect(await spool.get(job.id)).toBeNull();
      // Two copies hold the blob; the spool's reference is released.
      expect(await refcount(job.payload.blobKey)).toBe(2);
    }
    const used = await one<{ used_bytes: number }>(
      `SELECT used_bytes FROM accounts WHERE address = 'ben@store.test'`,
    );
    expect(Number(used.used_bytes)).toBe(items[1].size + items[3].size);

    // Run again (a lease that expired after the commit): nothing is stored or released twice.
    const again = await storeBatch(db, items, jobs, { ack: true });
    expect(again.map((o) => o.kind)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    for (const job of jobs) expect(await refcount(job.payload.blobKey)).toBe(2);
  });

  it('leaves a job with a copy over quota for the per-job path, and its dedupe row too', async () => {
    const ben = await accountOf('ben@store.test');
    await db.query(`UPDATE accounts SET quota_bytes = used_bytes + 10 WHERE id = $1`, [ben.id]);
    const jobs = await leased('q1');
    const items = await itemsFor(jobs, ['ann@store.test', 'ben@store.test']);
    const outcomes = await storeBatch(db, items, jobs, { ack: true });
    expect(outcomes.map((o) => o.kind)).toEqual(['stored', 'over']);
    // Not done: still in the spool, its spool reference kept (plus ann's copy).
    expect(await spool.get(jobs[0].id)).not.toBeNull();
    expect(await refcount(jobs[0].payload.blobKey)).toBe(2);
    const rows = await db.query(`SELECT recipient FROM deliveries WHERE queue_id = $1 ORDER BY recipient`, [
      jobs[0].payload.queueId,
    ]);
    expect(rows.rows).toEqual([{ recipient: 'ann@store.test' }]);
    await db.query(`UPDATE accounts SET quota_bytes = NULL WHERE id = $1`, [ben.id]);
  });

  it('does not ack when another spool acks after the commit', async () => {
    const jobs = await leased('s1');
    const outcomes = await storeBatch(db, await itemsFor(jobs, ['ann@store.test']), jobs, { ack: false });
    expect(outcomes.map((o) => o.kind)).toEqual(['stored']);
    expect(await spool.get(jobs[0].id)).not.toBeNull();
  });

  it('does nothing for an empty batch', async () => {
    expect(await storeBatch(db, [], [], { ack: true })).toEqual([]);
  });
});
