import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../../../core/adapters/local/file-blob-store';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { SqlSpool } from '../../../core/adapters/sql/sql-spool';
import { runMigrations } from '../../../core/db/migrate';
import { MessageAcceptor } from '../../../core/delivery/message-acceptor';
import { releaseSpoolReference } from '../../../core/delivery/inbound-job';
import type { BlobStore } from '../../../core/ports/blob-store';
import type { Spool } from '../../../core/ports/spool';
import type { SqlDatabase, SqlExecutor } from '../../../core/ports/sql';

let db: PgliteDatabase;
let root: string;
let blobs: FileBlobStore;
let counter = 0;

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  root = await mkdtemp(path.join(tmpdir(), 'nimbus-acceptor-'));
  blobs = new FileBlobStore(root);
  await blobs.init();
});

afterAll(async () => {
  await db.close();
  await rm(root, { recursive: true, force: true });
});

function message(): Buffer {
  return Buffer.from(`Subject: test ${++counter} ${Date.now()}\r\n\r\nbody\r\n`);
}

const input = (data: Buffer) => ({ data, mailFrom: 'a@remote.test', recipients: [{ address: 'b@x.test' }] });

async function refcount(key: string): Promise<number | null> {
  const row = await db.query<{ refcount: number }>(`SELECT refcount FROM blobs WHERE key = $1`, [key]);
  return row.rows[0] ? Number(row.rows[0].refcount) : null;
}

async function job(id: string) {
  return (await db.query(`SELECT id FROM spool_jobs WHERE id = $1`, [id])).rows.length;
}

/** Counts the statements and transactions a database sees. */
function counting(inner: SqlDatabase) {
  const seen = { statements: 0, transactions: 0 };
  const wrap = (exec: SqlExecutor): SqlExecutor => ({
    query: (sql, params) => {
      seen.statements++;
      return exec.query(sql, params);
    },
    transaction: (fn) => exec.transaction((tx) => fn(wrap(tx))),
  });
  const db: SqlDatabase = {
    kind: inner.kind,
    close: () => inner.close(),
    query: (sql, params) => wrap(inner).query(sql, params),
    transaction: (fn) => {
      seen.transactions++;
      return inner.transaction((tx) => fn(wrap(tx)));
    },
  };
  return { db, seen };
}

describe('MessageAcceptor with the SQL spool', () => {
  it('writes the references and the jobs of a batch with one statement in one transaction', async () => {
    const { db: counted, seen } = counting(db);
    const acceptor = new MessageAcceptor(counted, blobs, new SqlSpool(counted));
    const data = [message(), message(), message()];
    const results = await Promise.all(data.map((d) => acceptor.accept(input(d))));
    for (const [i, { queueId }] of results.entries()) {
      expect(await job(queueId)).toBe(1);
      const key = (await new SqlSpool(db).get(queueId))!.payload.blobKey;
      expect(await refcount(key)).toBe(1);
      expect(await blobs.get(key)).toEqual(data[i]);
    }
    // How the accepts group into batches depends on timing; each batch is one statement, one commit.
    expect(seen.transactions).toBeGreaterThan(0);
    expect(seen.statements).toBe(seen.transactions);
  });

  it('takes no reference and queues no job when the batch fails before its commit', async () => {
    const failing: BlobStore = Object.assign(Object.create(blobs) as FileBlobStore, {
      exists: async () => {
        throw new Error('disk gone');
      },
    });
    const acceptor = new MessageAcceptor(db, failing, new SqlSpool(db));
    const data = message();
    await expect(acceptor.accept({ ...input(data), queueId: 'FAILS-BEFORE-COMMIT' })).rejects.toThrow(
      'disk gone',
    );
    expect(await job('FAILS-BEFORE-COMMIT')).toBe(0);
    const key = (await blobs.put(data)).key;
    expect(await refcount(key)).toBeNull();
  });

  it('gives the references back once when the commit happened but its reply was lost', async () => {
    const lostReply: SqlDatabase = {
      kind: db.kind,
      close: () => db.close(),
      query: (sql, params) => db.query(sql, params),
      transaction: async (fn) => {
        await db.transaction(fn);
        throw new Error('connection reset');
      },
    };
    const acceptor = new MessageAcceptor(lostReply, blobs, new SqlSpool(lostReply));
    const data = message();
    await expect(acceptor.accept({ ...input(data), queueId: 'LOST-REPLY' })).rejects.toThrow(
      'connection reset',
    );
    const key = (await blobs.put(data)).key;
    // The job is queued all the same; its reference is back, and its delivery will not release again.
    expect(await job('LOST-REPLY')).toBe(1);
    expect(await refcount(key)).toBe(0);
    await releaseSpoolReference(db, 'LOST-REPLY', key);
    expect(await refcount(key)).toBe(0);
  });
});

describe('MessageAcceptor with another spool (SQS)', () => {
  const queued: string[] = [];
  const otherSpool = (fail: boolean) =>
    ({
      enqueueMany: async (_queue: string, jobs: { id: string }[]) => {
        if (fail) throw new Error('queue unavailable');
        queued.push(...jobs.map((j) => j.id));
      },
    }) as unknown as Spool;

  it('commits the references, then queues the jobs', async () => {
    const data = message();
    const { queueId } = await new MessageAcceptor(db, blobs, otherSpool(false)).accept(input(data));
    expect(queued).toContain(queueId);
    expect(await refcount((await blobs.put(data)).key)).toBe(1);
  });

  it('gives the references back when the queue refuses the jobs', async () => {
    const data = message();
    await expect(new MessageAcceptor(db, blobs, otherSpool(true)).accept(input(data))).rejects.toThrow(
      'queue unavailable',
    );
    expect(await refcount((await blobs.put(data)).key)).toBe(0);
  });
});
