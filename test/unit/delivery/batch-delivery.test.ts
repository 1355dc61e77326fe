import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../../core/adapters/local/file-blob-store';
import { InProcessEvents } from '../../../core/adapters/local/in-process-events';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { SqlSpool } from '../../../core/adapters/sql/sql-spool';
import { runMigrations } from '../../../core/db/migrate';
import { BatchDelivery } from '../../../core/delivery/batch-delivery';
import { MessageAcceptor } from '../../../core/delivery/message-acceptor';
import { Directory } from '../../../core/directory/directory';
import type { LeasedJob, Spool } from '../../../core/ports/spool';

let db: PgliteDatabase;
let root: string;
let blobs: FileBlobStore;
let spool: SqlSpool;
let acceptor: MessageAcceptor;

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  root = await mkdtemp(path.join(tmpdir(), 'nimbus-batch-'));
  blobs = new FileBlobStore(root);
  await blobs.init();
  spool = new SqlSpool(db);
  acceptor = new MessageAcceptor(db, blobs, spool);
  const directory = new Directory(db);
  await directory.addDomain('batch.test');
  await directory.addAccount('ann@batch.test', 'ann-password-1');
  await directory.addAccount('ben@batch.test', 'ben-password-1');
});

afterAll(async () => {
  await db.close();
  await rm(root, { recursive: true, force: true });
});

const mail = (subject: string) => Buffer.from(`Subject: ${subject}\r\nTo: ann@batch.test\r\n\r\nHello\r\n`);

async function refcount(key: string): Promise<number> {
  return Number(
    (await db.query<{ refcount: number }>(`SELECT refcount FROM blobs WHERE key = $1`, [key])).rows[0]
      .refcount,
  );
}

async function inbox(address: string): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
     JOIN accounts a ON a.id = b.account_id WHERE a.address = $1 AND b.name = 'INBOX'`,
    [address],
  );
  return r.rows[0].n;
}

describe('BatchDelivery', () => {
  it('delivers, takes one reference per copy, releases the spool reference and acks in one statement', async () => {
    const both = await acceptor.accept({
      data: mail('both'),
      mailFrom: 'x@remote.test',
      recipients: [{ address: 'ann@batch.test' }, { address: 'ben@batch.test' }],
    });
    const one = await acceptor.accept({
      data: mail('one'),
      mailFrom: 'x@remote.test',
      recipients: [{ address: 'ben@batch.test' }],
    });
    const jobs = await spool.receive('inbound', { max: 10, leaseSeconds: 60, owner: 'test' });
    expect(jobs).toHaveLength(2);
    let transactions = 0;
    const statements: string[] = [];
    const counted = Object.assign(Object.create(db) as PgliteDatabase, {
      transaction: <T>(fn: Parameters<PgliteDatabase['transaction']>[0]) => {
        transactions++;
        return db.transaction(fn) as Promise<T>;
      },
      query: (sql: string, params?: unknown[]) => {
        statements.push(sql);
        return db.query(sql, params);
      },
    });
    const result = await new BatchDelivery(
      counted,
      blobs,
      new SqlSpool(counted),
      new InProcessEvents(),
    ).deliver(jobs);
    expect(result.delivered).toHaveLength(2);
    expect(result.rest).toEqual([]);
    // The recipients' lookup, then one statement that stores, settles and acks the batch.
    expect(transactions).toBe(0);
    expect(statements).toHaveLength(2);
    expect(statements[1]).toMatch(/deliver_batch/);
    expect(await inbox('ann@batch.test')).toBe(1);
    expect(await inbox('ben@batch.test')).toBe(2);
    expect(await spool.get(both.queueId)).toBeNull();
    expect(await spool.get(one.queueId)).toBeNull();
    const bothKey = jobs.find((j) => j.id === both.queueId)!.payload.blobKey;
    const oneKey = jobs.find((j) => j.id === one.queueId)!.payload.blobKey;
    expect(await refcount(bothKey)).toBe(2);
    expect(await refcount(oneKey)).toBe(1);
    const used = await db.query<{ used_bytes: number }>(
      `SELECT used_bytes FROM accounts WHERE address = 'ann@batch.test'`,
    );
    expect(Number(used.rows[0].used_bytes)).toBeGreaterThan(mail('both').length);

    // The same jobs again (a lease that expired after the commit, an SQS duplicate): nothing changes.
    await new BatchDelivery(db, blobs, spool, new InProcessEvents()).deliver(jobs);
    expect(await inbox('ben@batch.test')).toBe(2);
    expect(await refcount(bothKey)).toBe(2);
    expect(await refcount(oneKey)).toBe(1);
  });

  it('acks after the commit when the spool is not the SQL spool', async () => {
    const { queueId } = await acceptor.accept({
      data: mail('sqs'),
      mailFrom: 'x@remote.test',
      recipients: [{ address: 'ann@batch.test' }],
    });
    const jobs = await spool.receive('inbound', { max: 10, leaseSeconds: 60, owner: 'test' });
    const acked: LeasedJob[] = [];
    const other = { ackMany: async (j: LeasedJob[]) => void acked.push(...j) } as unknown as Spool;
    const result = await new BatchDelivery(db, blobs, other, new InProcessEvents()).deliver(jobs);
    expect(result.delivered.map((j) => j.id)).toEqual([queueId]);
    expect(acked.map((j) => j.id)).toEqual([queueId]);
    // Not deleted by the delivering commit: that is the other spool's job.
    expect(await spool.get(queueId)).not.toBeNull();
    expect(await refcount(jobs[0].payload.blobKey)).toBe(1);
  });
  it('assigns UIDs in arrival order, whatever order the lease returned the jobs in', async () => {
    await spool.receive('inbound', { max: 100, leaseSeconds: 60, owner: 'drain' });
    const accepted: string[] = [];
    for (const subject of ['first', 'second', 'third'])
      accepted.push(
        (
          await acceptor.accept({
            data: mail(subject),
            mailFrom: 'x@remote.test',
            recipients: [{ address: 'ben@batch.test' }],
          })
        ).queueId,
      );
    const jobs = await spool.receive('inbound', { max: 10, leaseSeconds: 60, owner: 'test' });
    const reversed = [...jobs].sort((a, b) => accepted.indexOf(b.id) - accepted.indexOf(a.id));
    await new BatchDelivery(db, blobs, spool, new InProcessEvents()).deliver(reversed);
    const stored = await db.query<{ blob_key: string }>(
      `SELECT m.blob_key FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
       JOIN accounts a ON a.id = b.account_id
       WHERE a.address = 'ben@batch.test' AND b.name = 'INBOX' ORDER BY m.uid DESC LIMIT 3`,
    );
    const keyOf = (id: string) => jobs.find((j) => j.id === id)!.payload.blobKey;
    expect(stored.rows.map((r) => r.blob_key).reverse()).toEqual(accepted.map(keyOf));
  });
});
