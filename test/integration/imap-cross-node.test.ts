/**
 * Cross-process IDLE on a real PostgreSQL: two node processes share one database; each runs
 * the IMAP role with the PgEvents adapter (LISTEN/NOTIFY). A session idling on node A sees a
 * message appended through node B at once, and flag changes made on B.
 *
 * Needs PostgreSQL (NIMBUS_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ImapFlow } from 'imapflow';

const ADMIN_URL = process.env.NIMBUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = path.resolve(__dirname, '../..');

const NODE_SCRIPT = `
import pino from '${require.resolve('pino')}';
import { PgDatabase } from '${ROOT}/core/adapters/postgres/pg-database';
import { PgEvents } from '${ROOT}/core/adapters/postgres/pg-events';
import { FileBlobStore } from '${ROOT}/core/adapters/local/file-blob-store';
import { runMigrations } from '${ROOT}/core/db/migrate';
import { Directory } from '${ROOT}/core/directory/directory';
import { MailboxStore } from '${ROOT}/core/store/mailbox-store';
import { AuthThrottle } from '${ROOT}/core/auth/auth-throttle';
import { ImapServer, DEFAULT_IMAP_OPTIONS } from '${ROOT}/containers/imap/imap-server';

async function main() {
  const url = process.env.DB_URL!;
  const db = new PgDatabase({ connectionString: url });
  await runMigrations(db);
  const blobs = new FileBlobStore(process.env.BLOB_DIR!);
  await blobs.init();
  const events = await PgEvents.connect(url);
  const directory = new Directory(db);
  if (process.env.SEED) {
    await directory.addDomain('cross.test').catch(() => undefined);
    await directory.addAccount('user@cross.test', 'pw').catch(() => undefined);
  }
  const imap = new ImapServer({
    options: { ...DEFAULT_IMAP_OPTIONS, allowInsecureAuth: true, hostname: process.env.NODE_NAME! },
    directory, store: new MailboxStore(db, blobs, events), db, blobs, events,
    secureContext: () => { throw new Error('no tls'); },
    authThrottle: new AuthThrottle(), log: pino({ level: 'silent' }), nodeId: process.env.NODE_NAME!,
  });
  const port = await imap.listen(0, '127.0.0.1');
  process.stdout.write('PORT ' + port + '\\n');
  process.on('SIGTERM', async () => { await imap.close(); await events.close(); await db.close(); process.exit(0); });
}
main().catch((e) => { console.error(e); process.exit(1); });
`;

let dbName: string;
let dbUrl: string;
let dir: string;
const children: ChildProcess[] = [];

async function startNode(name: string, seed: boolean): Promise<number> {
  const script = path.join(dir, `node-${name}.ts`);
  writeFileSync(script, NODE_SCRIPT);
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), script], {
    env: {
      ...process.env,
      DB_URL: dbUrl,
      BLOB_DIR: path.join(dir, 'blobs'),
      NODE_NAME: name,
      SEED: seed ? '1' : '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`node ${name} exited with ${code}`)));
  });
}

function client(port: number): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: 'user@cross.test', pass: 'pw' },
    logger: false,
  } as ConstructorParameters<typeof ImapFlow>[0]);
}

beforeAll(async () => {
  dbName = `nimbus_imap_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  dbUrl = url.toString();
  dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-imap-cross-'));
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

it('pushes a message appended on node B into an IDLE on node A', async () => {
  const portA = await startNode('a', true);
  const portB = await startNode('b', false);
  const a = client(portA);
  const b = client(portB);
  await a.connect();
  await b.connect();
  await a.mailboxOpen('INBOX');
  const exists: number[] = [];
  const flags: string[][] = [];
  a.on('exists', (d: { count: number }) => exists.push(d.count));
  a.on('flags', (d: { flags: Set<string> }) => flags.push([...d.flags]));
  const idle = a.idle();
  await new Promise((r) => setTimeout(r, 200));
  await b.append('INBOX', 'Subject: across nodes\r\nFrom: x@cross.test\r\n\r\nhello\r\n');
  const deadline = Date.now() + 10_000;
  while (!exists.includes(1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  expect(exists).toContain(1);
  await b.mailboxOpen('INBOX');
  await b.messageFlagsAdd('1', ['\\Flagged']);
  while (!flags.some((f) => f.includes('\\Flagged')) && Date.now() < deadline + 5000) {
    await new Promise((r) => setTimeout(r, 25));
  }
  expect(flags.some((f) => f.includes('\\Flagged'))).toBe(true);
  await a.noop();
  await idle.catch(() => undefined);
  await a.logout();
  await b.logout();
}, 60_000);
