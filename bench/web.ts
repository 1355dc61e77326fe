/**
 * Web benchmark (`npm run bench -- web`): prints
 *   - JMAP Email/query + Email/get (50 rows, list properties, one request with a back-reference)
 *     latency p50/p99 on a 10,000-message mailbox, through the JMAP web handler in-process
 *     (what a warm Lambda or the web role runs), plus a text search;
 *   - per Lambda handler (functions/<area>/handler.ts): esbuild bundle size, and the cold start
 *     of a fresh `node -e` that loads the bundle and answers a first request.
 * Options: BENCH_MESSAGES (default 10000), BENCH_ITERATIONS (default 300).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { PgliteDatabase } from '../core/adapters/pglite/pglite-database';
import { FileBlobStore } from '../core/adapters/local/file-blob-store';
import { InProcessEvents } from '../core/adapters/local/in-process-events';
import { SqlSpool } from '../core/adapters/sql/sql-spool';
import { AuthThrottle } from '../core/auth/auth-throttle';
import { runMigrations } from '../core/db/migrate';
import { Directory } from '../core/directory/directory';
import { parseMessageStructure } from '../core/mime';
import { acquireBlob } from '../core/store/blob-refs';
import { jmapRouter } from '../functions/jmap/routes';
import type { WebContext } from '../functions/web/context';
import { fmt, summarise } from './lib/stats';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const ROOT = path.join(__dirname, '..');

async function jmapLatency(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-web-'));
  try {
    const db = await PgliteDatabase.open(path.join(dir, 'db'));
    await runMigrations(db);
    const blobs = new FileBlobStore(path.join(dir, 'blobs'));
    await blobs.init();
    const directory = new Directory(db);
    await directory.addDomain('bench.test');
    const account = await directory.addAccount('user@bench.test', 'bench password');
    const inbox = (
      await db.query<{ id: string }>(`SELECT id FROM mailboxes WHERE account_id = $1 AND name = 'INBOX'`, [
        account.id,
      ])
    ).rows[0].id;
    // 100 distinct bodies shared by 10,000 rows (as the index sees them, the rows are distinct messages).
    const started = Date.now();
    const bodies: { key: string; structure: string }[] = [];
    for (let i = 0; i < 100; i++) {
      const raw = Buffer.from(
        `From: Sender ${i} <s${i}@bench.test>\r\nTo: user@bench.test\r\nSubject: Benchmark message ${i}\r\nMessage-ID: <m${i}@bench.test>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nHello number ${i}, lorem ipsum dolor sit amet ${'x'.repeat(i * 10)}\r\n`,
      );
      const info = await blobs.put(raw);
      await acquireBlob(db, info.key, info.size, MESSAGES / 100);
      bodies.push({ key: info.key, structure: JSON.stringify(parseMessageStructure(raw)) });
    }
    await db.query(
      `INSERT INTO messages (mailbox_id, uid, modseq, flags, internal_date, size, blob_key, header_prefix, structure)
       SELECT $1, g, g, CASE WHEN g % 3 = 0 THEN ARRAY['\\Seen'] ELSE ARRAY[]::text[] END,
              now() - make_interval(secs => g), 300, (($2::text[])[1 + g % 100]), ''::bytea, (($3::text[])[1 + g % 100])::jsonb
       FROM generate_series(1, $4::int) g`,
      [inbox, bodies.map((b) => b.key), bodies.map((b) => b.structure), MESSAGES],
    );
    await db.query(
      `UPDATE mailboxes SET uidnext = $2 + 1, highestmodseq = $2, message_count = $2 WHERE id = $1`,
      [inbox, MESSAGES],
    );
    process.stdout.write(`mailbox: ${MESSAGES} messages loaded in ${fmt((Date.now() - started) / 1000)} s\n`);

    const ctx: WebContext = {
      db,
      blobs,
      spool: new SqlSpool(db),
      events: new InProcessEvents(),
      directory,
      admin: async () => null,
      throttle: new AuthThrottle(),
      endpoints: { mailHost: 'bench.test', webBase: null, imap: null, pop3: null, submission: null },
      streaming: false,
      nodes: async () => [],
      assets: null,
    };
    const handler = jmapRouter(ctx).handle;
    const accountId = `A${account.id.toString(36)}`;
    const authorization = 'Basic ' + Buffer.from('user@bench.test:bench password').toString('base64');
    const call = async (calls: unknown[]) => {
      const res = await handler({
        method: 'POST',
        path: '/jmap/api',
        query: new URLSearchParams(),
        headers: { authorization, 'content-type': 'application/json' },
        body: Buffer.from(
          JSON.stringify({
            using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'],
            methodCalls: calls,
          }),
        ),
        sourceIp: '127.0.0.1',
        secure: true,
      });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${String(res.body)}`);
      return JSON.parse(String(res.body)) as {
        methodResponses: [string, { ids?: string[]; list?: unknown[] }, string][];
      };
    };
    const mailboxId = `M${Number(inbox).toString(36)}`;
    const page = (position: number) => [
      [
        'Email/query',
        {
          accountId,
          filter: { inMailbox: mailboxId },
          sort: [{ property: 'receivedAt', isAscending: false }],
          position,
          limit: 50,
          calculateTotal: true,
        },
        'q',
      ],
      [
        'Email/get',
        {
          accountId,
          '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' },
          properties: ['id', 'threadId', 'keywords', 'from', 'subject', 'receivedAt', 'size', 'preview'],
        },
        'g',
      ],
    ];
    // Warm-up: threads and the auth cache are filled once per message / process.
    const warm = Date.now();
    await call([['Thread/get', { accountId, ids: [] }, 't']]);
    await call(page(0));
    process.stdout.write(
      `first request (assigns ${MESSAGES} thread ids): ${fmt((Date.now() - warm) / 1000)} s\n`,
    );
    const latencies: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const t = process.hrtime.bigint();
      const out = await call(page((i * 50) % (MESSAGES - 50)));
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (out.methodResponses[1][1].list?.length !== 50) throw new Error('short page');
    }
    const s = summarise(latencies);
    process.stdout.write(
      `Email/query + Email/get (50): p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms (${ITERATIONS} requests)\n`,
    );
    const text: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = process.hrtime.bigint();
      await call([['Email/query', { accountId, filter: { text: `number ${i}` }, limit: 50 }, 'q']]);
      text.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const st = summarise(text.slice(1));
    process.stdout.write(
      `Email/query text search: first ${fmt(text[0])} ms (fills the search text), then p50 ${fmt(st.p50)} ms, p99 ${fmt(st.p99)} ms\n`,
    );
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const FIRST_REQUEST: Record<string, object> = {
  jmap: {
    version: '2.0',
    rawPath: '/.well-known/jmap',
    rawQueryString: '',
    headers: {},
    requestContext: { http: { method: 'GET', sourceIp: '127.0.0.1' } },
  },
  admin: {
    version: '2.0',
    rawPath: '/admin/openapi.json',
    rawQueryString: '',
    headers: {},
    requestContext: { http: { method: 'GET', sourceIp: '127.0.0.1' } },
  },
  webmail: {
    version: '2.0',
    rawPath: '/webmail/api/session',
    rawQueryString: '',
    headers: {},
    requestContext: { http: { method: 'GET', sourceIp: '127.0.0.1' } },
  },
  autoconfig: {
    version: '2.0',
    rawPath: '/mail/config-v1.1.xml',
    rawQueryString: 'emailaddress=a@b.test',
    headers: {},
    requestContext: { http: { method: 'GET', sourceIp: '127.0.0.1' } },
  },
};

async function coldStarts(): Promise<void> {
  // Inside the repository (.tmp/ is ignored) so the bundles resolve the external AWS SDK like Lambda does.
  mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  const out = mkdtempSync(path.join(ROOT, '.tmp', 'bench-lambda-'));
  try {
    for (const area of Object.keys(FIRST_REQUEST)) {
      const file = path.join(out, `${area}.js`);
      await build({
        entryPoints: [path.join(ROOT, 'functions', area, 'handler.ts')],
        outfile: file,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        minify: true,
        // The Lambda Node.js runtime ships the AWS SDK v3; pg-native is optional in pg.
        external: ['@aws-sdk/*', 'pg-native'],
        logLevel: 'silent',
      });
      const size = statSync(file).size;
      const script = `const t0 = process.hrtime.bigint();
const { handler } = require(${JSON.stringify(file)});
const t1 = process.hrtime.bigint();
handler(${JSON.stringify(FIRST_REQUEST[area])}, { getRemainingTimeInMillis: () => 29000 }).then((r) => {
  const t2 = process.hrtime.bigint();
  console.log(JSON.stringify({ status: r.statusCode, load: Number(t1 - t0) / 1e6, first: Number(t2 - t1) / 1e6 }));
  process.exit(0);
});`;
      const runs: { load: number; first: number; wall: number; status: number }[] = [];
      for (let i = 0; i < 5; i++) {
        const t = Date.now();
        const result = JSON.parse(
          execFileSync(process.execPath, ['-e', script], {
            env: {
              PATH: process.env.PATH,
              DATABASE_URL: 'postgres://bench@127.0.0.1:1/none',
              NIMBUS_BLOB_DIR: path.join(out, 'blobs'),
            },
          }).toString(),
        ) as { load: number; first: number; status: number };
        runs.push({ ...result, wall: Date.now() - t });
      }
      runs.sort((a, b) => a.wall - b.wall);
      const mid = runs[2];
      process.stdout.write(
        `lambda ${area.padEnd(10)} bundle ${fmt(size / 1024)} KiB; cold start (median of 5): load ${fmt(mid.load)} ms + first invocation ${fmt(mid.first)} ms (HTTP ${mid.status}); process wall ${mid.wall} ms\n`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

void (async () => {
  await jmapLatency();
  await coldStarts();
})().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
