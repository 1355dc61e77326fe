/**
 * `npm run bench -- list-fanout [--members N] [--page P] [--postgres URL]` (or
 * `npx tsx bench/list-fanout.ts …`): the time to fan one post out to a list of N members (default
 * 100k), on embedded PGlite and on PostgreSQL (127.0.0.1:5432 by default, skipped when
 * unreachable). It measures what runFanout does per member: build the personalized copy
 * (List-Unsubscribe with the member's one-click token), DKIM-sign it (RSA-2048), store it as a
 * blob (local disk, fsync) and enqueue its spool job, plus the keyset paging and cursor saves.
 * Also printed: the same fan-out without DKIM (what a single unsigned copy per member would
 * cost) and the bare signing rate. Loopback and local disk only; nothing is sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateKeyPairSync } from 'node:crypto';
import { FileBlobStore } from '../core/adapters/local/file-blob-store';
import { InProcessEvents } from '../core/adapters/local/in-process-events';
import { PgliteDatabase } from '../core/adapters/pglite/pglite-database';
import { PgDatabase } from '../core/adapters/postgres/pg-database';
import { SqlSpool } from '../core/adapters/sql/sql-spool';
import { runMigrations } from '../core/db/migrate';
import { Directory } from '../core/directory/directory';
import type { DkimSigningKey } from '../core/dkim/dkim-keys';
import type { ListDeps } from '../core/lists/deps';
import { ListStore } from '../core/lists/list-store';
import { createPostDistributor } from '../core/lists/posting/distribute';
import { runFanout } from '../core/lists/posting/fanout';
import { memberCopy, oneClickUrl, splitBase } from '../core/lists/posting/personalize';
import type { SqlDatabase } from '../core/ports/sql';
import { MailboxStore } from '../core/store/mailbox-store';
import { DEFAULT_POSTGRES_URL, freshPostgres } from './lib/fresh-postgres';

const arg = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const MEMBERS = Number(arg('members', '100000'));
const PAGE = Number(arg('page', '1000'));
const POSTGRES = arg('postgres', process.env.NIMBUS_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL);

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'der' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const KEY: DkimSigningKey = { domain: 'lists.bench', selector: 'bench', privateKey };

const POST = Buffer.from(
  'From: Alice <alice@remote.bench>\r\nTo: big@lists.bench\r\nSubject: One post to everyone\r\n' +
    'Date: Thu, 03 Dec 2026 20:00:00 +0000\r\nMessage-ID: <bench@remote.bench>\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: text/plain; charset=us-ascii\r\n\r\n' +
    'A typical post of a few kilobytes.\r\n'.repeat(100),
);

async function run(label: string, db: SqlDatabase, withDkim: boolean): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-fanout-'));
  try {
    const blobs = new FileBlobStore(root);
    await blobs.init();
    const spool = new SqlSpool(db);
    const events = new InProcessEvents();
    const directory = new Directory(db);
    const deps: ListDeps = {
      db,
      blobs,
      spool,
      directory,
      mailboxes: new MailboxStore(db, blobs, events),
      events,
      acceptor: { accept: async () => ({ queueId: 'unused' }) },
      resolver: { mx: async () => [], addresses: async () => [], txt: async () => [] },
      dkimKey: async () => (withDkim ? KEY : null),
      settings: {
        webBase: 'https://mail.lists.bench',
        tokenSecret: Buffer.alloc(32, 7),
        fanoutPageSize: PAGE,
        maxPostBytes: 10 << 20,
        bounceScoreThreshold: 5,
        bounceStaleDays: 7,
      },
      now: () => new Date(),
    };
    const listId = (
      await db.query<{ id: string }>(
        `INSERT INTO lists (domain_id, local_part, address, name, archive_visibility)
         SELECT id, $1, $1 || '@' || name, 'Big', 'none' FROM domains WHERE name = 'lists.bench' RETURNING id`,
        [withDkim ? 'big' : 'plain'],
      )
    ).rows[0].id;
    const t0 = performance.now();
    // Members on 50 remote domains (outbound) and 1 in 20 local (inbound).
    await db.query(
      `INSERT INTO list_members (list_id, address)
       SELECT $1::bigint, 'm' || g || CASE WHEN g % 20 = 0 THEN '@lists.bench' ELSE '@d' || (g % 50) || '.bench' END
       FROM generate_series(1, $2::int) g`,
      [listId, MEMBERS],
    );
    const seeded = performance.now() - t0;
    const list = (await new ListStore(db).getById(String(listId)))!;
    const queueId = `BENCH${withDkim ? 'D' : 'P'}${Date.now()}`;
    const rss0 = process.memoryUsage().rss;
    const start = performance.now();
    await createPostDistributor(deps).distribute(list, {
      queueId,
      body: POST,
      mailFrom: 'alice@remote.bench',
      receivedAt: new Date().toISOString(),
    });
    const [job] = (await spool.receive('inbound', { max: 10, leaseSeconds: 600, owner: 'bench' })).filter(
      (j) => j.payload.list?.kind === 'fanout',
    );
    let peakRss = rss0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
    await runFanout(deps, job);
    clearInterval(sampler);
    const seconds = (performance.now() - start) / 1000;
    const depth = await spool.depth('outbound');
    const inbound = await spool.depth('inbound');
    console.log(
      `${label.padEnd(10)} ${withDkim ? 'per-member DKIM' : 'no DKIM        '}  ${MEMBERS} members in ${seconds.toFixed(1)} s ` +
        `= ${Math.round(MEMBERS / seconds)} members/s  (jobs: ${depth.ready} outbound, ${inbound.ready} inbound; ` +
        `page ${PAGE}; RSS +${Math.round((peakRss - rss0) / 1048576)} MB; seeding ${(seeded / 1000).toFixed(1)} s)`,
    );
    await db.query(`DELETE FROM spool_jobs`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function signingRate(): Promise<void> {
  const base = splitBase(POST);
  const list = { id: '1', address: 'big@lists.bench', name: 'Big' };
  const n = 500;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    await memberCopy(base, list, oneClickUrl('https://w', Buffer.alloc(32), '1', String(i), new Date()), KEY);
  }
  const ms = (performance.now() - start) / n;
  console.log(
    `signing    one member copy (RSA-2048 DKIM) ${ms.toFixed(2)} ms = ${Math.round(1000 / ms)}/s on one core`,
  );
}

async function prepare(db: SqlDatabase): Promise<void> {
  await runMigrations(db);
  await new Directory(db).addDomain('lists.bench');
}

async function main(): Promise<void> {
  console.log(
    `list fan-out: ${MEMBERS} members, page ${PAGE}, ${POST.length}-byte post, node ${process.version}, ${os.cpus().length} cores`,
  );
  await signingRate();
  const lite = await PgliteDatabase.open(undefined);
  try {
    await prepare(lite);
    await run('PGlite', lite, true);
    await run('PGlite', lite, false);
  } finally {
    await lite.close();
  }
  const fresh = await freshPostgres(POSTGRES, 'nimbus_bench_fanout');
  if ('unreachable' in fresh) {
    console.log(`PostgreSQL skipped: ${fresh.unreachable}`);
    return;
  }
  const pg = new PgDatabase({ connectionString: fresh.url, statementTimeoutMs: 600_000 });
  try {
    await prepare(pg);
    await run('PostgreSQL', pg, true);
    await run('PostgreSQL', pg, false);
  } finally {
    await pg.close();
    await fresh.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
