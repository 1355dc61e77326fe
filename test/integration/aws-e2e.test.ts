/**
 * End to end on the AWS adapters: S3 + SQS (moto on loopback, behind a fault-injecting TCP proxy)
 * + PostgreSQL (NIMBUS_TEST_DATABASE_URL, default postgres@127.0.0.1:5432).
 *
 * - the whole flow: SMTP in → S3 blob + SQS job → delivery → POP3 and IMAP out, then queues empty;
 * - S3/SQS unreachable or slow → SMTP answers 451 and nothing is half-stored; back → 250;
 * - a delivery node that loses S3/SQS keeps retrying and delivers once they are back;
 * - SQS at-least-once (the same job twice) → one copy;
 * - the crash test: nodes SIGKILLed under load, every 250'd message delivered exactly once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { S3BlobStore } from '../../core/adapters/aws/s3-blob-store';
import type { RecentBlobs } from '../../core/store/recent-blobs';
import { SqsSpool } from '../../core/adapters/aws/sqs-spool';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { Dialogue } from '../helpers/smtp-dialogue';
import { crashMessage, expectCrashOutcome } from '../helpers/crash-check';
import { NodeProcess, nimbus } from '../helpers/node-process';
import { freePort } from '../helpers/ports';
import { createTestDatabaseUrl } from '../helpers/test-database';
import { startFaultProxy, startMoto, type FaultProxy, type Moto } from '../helpers/moto';

process.env.NIMBUS_TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

let moto: Moto;
let proxy: FaultProxy;
const bucket = `nimbus-e2e-${randomBytes(4).toString('hex')}`;
const nodes: TestNode[] = [];

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy(moto);
  process.env.AWS_ENDPOINT_URL_S3 = proxy.endpoint;
  process.env.AWS_ENDPOINT_URL_SQS = proxy.endpoint;
}, 60_000);

afterAll(async () => {
  for (const node of nodes) await node.destroy().catch(() => undefined);
  await proxy?.close();
  await moto?.stop();
});

function awsSettings(prefix: string): Record<string, unknown> {
  return {
    blobs: `s3://${bucket}/blobs`,
    spoolBlobs: `s3://${bucket}/spool`,
    spool: `sqs://${prefix}`,
    createMissing: true,
    'aws.sqsWaitSeconds': 1,
    'aws.requestTimeoutMs': 1500,
    'aws.connectTimeoutMs': 500,
    'aws.maxAttempts': 2,
    'delivery.leaseSeconds': 5,
    'smtp.pregreetMs': 0,
    'pop3.allowInsecureAuth': true,
    'imap.allowInsecureAuth': true,
  };
}

async function node(overrides: Record<string, unknown>): Promise<TestNode> {
  const n = await startTestNode(overrides);
  nodes.push(n);
  return n;
}

async function smtpSend(port: number, to: string, subject: string): Promise<string> {
  const d = await Dialogue.connect(port);
  await d.reply();
  d.send('EHLO client.test\r\n');
  await d.reply();
  d.send('MAIL FROM:<bob@remote.test>\r\n');
  await d.reply();
  d.send(`RCPT TO:<${to}>\r\n`);
  const rcpt = await d.reply();
  if (!rcpt.startsWith('250')) return rcpt;
  d.send('DATA\r\n');
  await d.reply();
  d.send(`From: bob@remote.test\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nHello from ${subject}\r\n.\r\n`);
  const reply = await d.reply(20_000);
  d.send('QUIT\r\n');
  d.socket.destroy();
  return reply;
}

async function inboxSubjects(n: TestNode, address: string): Promise<string[]> {
  const rows = await n.storage.db.query<{ structure: { envelope?: { subject?: string } } }>(
    `SELECT m.structure FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
     JOIN accounts a ON a.id = b.account_id WHERE a.address = $1 AND b.name = 'INBOX' ORDER BY m.uid`,
    [address],
  );
  return rows.rows.map((r) => r.structure.envelope?.subject ?? '');
}

test('SMTP in → S3 + SQS → delivery → POP3 and IMAP out', async () => {
  const n = await node({ ...awsSettings(`e2e${randomBytes(3).toString('hex')}`) });
  expect(n.storage.description).toMatchObject({ database: 'postgres', blobs: `s3://${bucket}/blobs` });
  await n.directory.addDomain('example.org');
  await n.directory.addAccount('alice@example.org', 'alice-password');
  const before = { ...n.storage.awsRequests!.total };

  expect(await smtpSend(n.ports.smtp!, 'alice@example.org', 'flow-1')).toMatch(/^250 /);
  await eventually(async () => (await inboxSubjects(n, 'alice@example.org')).length === 1, 20_000);

  // The bytes are in S3 under blobs/ab/cd/<sha256>.
  const row = await n.storage.db.query<{ blob_key: string }>(`SELECT blob_key FROM messages LIMIT 1`);
  // The node's blob store is the S3 store behind RecentBlobs (the just-accepted bytes kept in memory).
  const s3 = (n.storage.blobs as RecentBlobs).inner as S3BlobStore;
  expect(s3.keyOf(row.rows[0].blob_key)).toMatch(/^blobs\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
  expect(await s3.exists(row.rows[0].blob_key)).toBe(true);

  // POP3
  const pop = await Dialogue.connect(n.ports.pop3!);
  expect(await pop.line()).toMatch(/^\+OK/);
  pop.send('USER alice@example.org\r\n');
  await pop.line();
  pop.send('PASS alice-password\r\n');
  expect(await pop.line()).toMatch(/^\+OK/);
  pop.send('RETR 1\r\n');
  expect(await pop.line()).toMatch(/^\+OK/);
  let text = '';
  for (let line = await pop.line(); line !== '.'; line = await pop.line()) text += line + '\n';
  expect(text).toContain('Subject: flow-1');
  expect(text).toContain('Hello from flow-1');
  pop.send('QUIT\r\n');
  await pop.line();

  // IMAP
  const imap = new ImapFlow({
    host: '127.0.0.1',
    port: n.ports.imap!,
    secure: false,
    doSTARTTLS: false,
    auth: { user: 'alice@example.org', pass: 'alice-password' },
    logger: false,
  } as ConstructorParameters<typeof ImapFlow>[0]);
  await imap.connect();
  const lock = await imap.getMailboxLock('INBOX');
  try {
    const message = await imap.fetchOne('1', { source: true, envelope: true });
    expect(message && message.envelope?.subject).toBe('flow-1');
    expect(message && message.source?.toString()).toContain('Hello from flow-1');
  } finally {
    lock.release();
  }
  await imap.logout();

  await eventually(async () => {
    const depth = await n.storage.spool.depth('inbound');
    return depth.ready + depth.leased === 0;
  });
  const after = n.storage.awsRequests!.total;
  // Accept: PUT + HEAD (ensureStored) + SendMessage; delivery: GET, ReceiveMessage(s), Delete.
  expect(after.s3 - before.s3).toBeGreaterThanOrEqual(3);
  expect(after.sqs - before.sqs).toBeGreaterThanOrEqual(2);
}, 90_000);

test('S3/SQS unreachable or slow → 451, nothing stored; back → 250', async () => {
  const n = await node({ ...awsSettings(`fail${randomBytes(3).toString('hex')}`), roles: 'mx' });
  await n.directory.addDomain('fail.test');
  await n.directory.addAccount('carol@fail.test', 'carol-password');
  try {
    proxy.mode = 'refuse';
    expect(await smtpSend(n.ports.smtp!, 'carol@fail.test', 'refused')).toMatch(/^451 4\.3\.0/);
    proxy.mode = 'blackhole';
    expect(await smtpSend(n.ports.smtp!, 'carol@fail.test', 'slow')).toMatch(/^451 4\.3\.0/);
  } finally {
    proxy.mode = 'pass';
  }
  // No job was enqueued, no reference left behind.
  const spool = n.storage.spool as SqsSpool;
  expect((await spool.depth('inbound')).ready).toBe(0);
  const refs = await n.storage.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM blobs WHERE refcount > 0 AND key NOT IN (SELECT blob_key FROM messages)`,
  );
  expect(refs.rows[0].n).toBe(0);
  expect(await smtpSend(n.ports.smtp!, 'carol@fail.test', 'recovered')).toMatch(/^250 /);
  await eventually(async () => (await spool.depth('inbound')).ready === 1);
}, 90_000);

test('a delivery node that loses S3/SQS retries and delivers once they are back; duplicates → one copy', async () => {
  const prefix = `retry${randomBytes(3).toString('hex')}`;
  const database = await createTestDatabaseUrl();
  try {
    const mx = await node({ ...awsSettings(prefix), roles: 'mx', databaseUrl: database.url });
    await mx.directory.addDomain('retry.test');
    await mx.directory.addAccount('dave@retry.test', 'dave-password');
    expect(await smtpSend(mx.ports.smtp!, 'dave@retry.test', 'retry-1')).toMatch(/^250 /);
    expect(await smtpSend(mx.ports.smtp!, 'dave@retry.test', 'retry-2')).toMatch(/^250 /);

    // SQS at-least-once: the same job arrives twice.
    const spool = mx.storage.spool as SqsSpool;
    const [job] = await spool.receive('inbound', { max: 1, leaseSeconds: 1, owner: 'test' });
    await spool.enqueue('inbound', job.id, job.payload);

    proxy.mode = 'refuse';
    const delivery = await node({
      ...awsSettings(prefix),
      roles: 'delivery',
      databaseUrl: database.url,
      createMissing: false,
    }).catch((error: Error) => error);
    // A node cannot start without its bucket and queues: it fails naming the setting.
    expect(delivery).toBeInstanceOf(Error);
    expect((delivery as Error).message).toMatch(/invalid setting blobs|unavailable/);
    proxy.mode = 'pass';
    const worker = await node({ ...awsSettings(prefix), roles: 'delivery', databaseUrl: database.url });
    // Cut S3/SQS under the running worker for a while: receives fail and are retried.
    proxy.mode = 'refuse';
    await new Promise((r) => setTimeout(r, 2500));
    proxy.mode = 'pass';
    await eventually(async () => {
      const subjects = await inboxSubjects(worker, 'dave@retry.test');
      return subjects.length >= 2 ? subjects : null;
    }, 30_000);
    // Wait for the duplicate too, then check: one copy each.
    await eventually(async () => {
      const depth = await spool.depth('inbound');
      return depth.ready + depth.leased === 0;
    }, 30_000);
    expect((await inboxSubjects(worker, 'dave@retry.test')).sort()).toEqual(['retry-1', 'retry-2']);
    const refs = await worker.storage.db.query<{ bad: number }>(
      `SELECT count(*)::int AS bad FROM messages m JOIN blobs b ON b.key = m.blob_key WHERE b.refcount < 1`,
    );
    expect(refs.rows[0].bad).toBe(0);
  } finally {
    proxy.mode = 'pass';
    await database.drop();
  }
}, 120_000);

const MESSAGES = 120;
const KILLS = 4;

// Checked per SMTP transaction, as in the local crash test (test/helpers/crash-check.ts).
test('crash safety on S3 + SQS + PostgreSQL: SIGKILLed nodes lose nothing and store no transaction twice', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-aws-crash-'));
  const database = await createTestDatabaseUrl();
  const prefix = `crash${randomBytes(3).toString('hex')}`;
  const configFile = path.join(dataDir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ delivery: { leaseSeconds: 5 } }));
  const env: Record<string, string> = {
    ...moto.env,
    DATABASE_URL: database.url!,
    NIMBUS_BLOBS: `s3://${bucket}/blobs`,
    NIMBUS_SPOOL: `sqs://${prefix}`,
    NIMBUS_SQS_WAIT_SECONDS: '1',
    NIMBUS_CONFIG: configFile,
    NIMBUS_PREGREET_MS: '0',
  };
  try {
    expect(nimbus(['--data', dataDir, 'domain', 'add', 'crash.test'], { env }).status).toBe(0);
    expect(
      nimbus(['--data', dataDir, 'user', 'add', 'victim@crash.test', '--password', 'victim-strong-pass-7'], {
        env,
      }).status,
    ).toBe(0);
    const smtpPort = await freePort();
    const proc = new NodeProcess(
      dataDir,
      [
        '--smtp-port',
        String(smtpPort),
        '--pop3-port',
        '0',
        '--imap-port',
        '0',
        '--http-port',
        '0',
        '--roles',
        'mx,delivery,web',
        '--create-missing',
      ],
      env,
    );
    await proc.start();
    const acked = new Set<number>();
    const killer = (async () => {
      for (let i = 0; i < KILLS; i++) {
        await new Promise((r) => setTimeout(r, 400 + Math.random() * 1200));
        await proc.kill('SIGKILL');
        await proc.start();
      }
    })();
    let next = 0;
    let tx = 0;
    while (next < MESSAGES) {
      try {
        const thisTx = ++tx;
        const reply = await smtpSendBody(smtpPort, crashMessage(next, thisTx));
        if (reply.startsWith('250')) {
          acked.add(thisTx);
          next++;
        }
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await killer;

    const spool = new SqsSpool({ prefix, waitSeconds: 0 });
    await spool.init();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const depth = await spool.depth('inbound');
      if (depth.ready + depth.leased + depth.dead === 0) break;
      if (Date.now() > deadline) throw new Error(`queue did not drain: ${JSON.stringify(depth)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    spool.destroy();
    expect(await proc.kill('SIGTERM')).toBe(0);

    const db = new PgDatabase({ connectionString: database.url! });
    const blobs = new S3BlobStore({ location: { bucket, prefix: 'blobs' } });
    try {
      await expectCrashOutcome(db, blobs, acked, MESSAGES);
    } finally {
      blobs.destroy();
      await db.close();
    }
  } finally {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 300_000);

async function smtpSendBody(port: number, body: string): Promise<string> {
  const d = await Dialogue.connect(port);
  try {
    await d.reply();
    d.send('EHLO load.test\r\n');
    await d.reply();
    d.send('MAIL FROM:<load@remote.test>\r\n');
    await d.reply();
    d.send('RCPT TO:<victim@crash.test>\r\n');
    await d.reply();
    d.send('DATA\r\n');
    const go = await d.reply();
    if (!go.startsWith('354')) return go;
    d.send(`${body}.\r\n`);
    return await d.reply(30_000);
  } finally {
    d.socket.destroy();
  }
}
