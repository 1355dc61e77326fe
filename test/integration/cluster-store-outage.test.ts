/**
 * Issue #6, failure scenario (f): the shared blob store is unavailable. A real local cluster
 * (2 node processes sharing one PostgreSQL database and one file blob store, HAProxy in front).
 * The blob directory is swapped for a regular file (the nodes run as root, so chmod would not
 * stop them; a file at the path makes every mkdir/open under it fail with ENOTDIR). While it is
 * gone every node answers SMTP with 451 4.3.0 (never 250, never 5xx) and /healthz 503 with a
 * blobs error; once it is back, sending works again and every message that got 250 is delivered
 * exactly once, with the blobs accepted before the outage intact.
 *
 * SMTP goes straight to the nodes (with the PROXY header they expect): while the store is down
 * HAProxy has no healthy server left, and the scenario is about the store, not the balancer.
 *
 * Needs PostgreSQL (NIMBUS_TEST_DATABASE_URL, default postgres@127.0.0.1:5432) and HAProxy.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { LocalCluster, httpStatus } from '../../containers/cluster/local-cluster';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { Directory } from '../../core/directory/directory';
import { haproxyBinary, upTestCluster, sendMail } from '../helpers/haproxy';
import { eventually as poll } from '../helpers/eventually';

jest.setTimeout(180_000);

const DOMAIN = 'store.example';
const USER = `user@${DOMAIN}`;
const NODES = ['node1', 'node2'] as const;
const haproxy = haproxyBinary();
const describeIf = haproxy ? describe : describe.skip;

let cluster: LocalCluster;
let dir: string;
let db: pg.Pool;

const blobDir = () => cluster.state.blobs;
const awayDir = () => `${cluster.state.blobs}.away`;

/** Replaces the blob directory with a regular file (the outage). */
function breakStore(): void {
  renameSync(blobDir(), awayDir());
  writeFileSync(blobDir(), 'the shared store is unavailable\n');
}

/** Puts the blob directory back (idempotent: also used by afterAll after a failure). */
function restoreStore(): void {
  if (!existsSync(awayDir())) return;
  if (existsSync(blobDir()) && !statSync(blobDir()).isDirectory()) rmSync(blobDir());
  renameSync(awayDir(), blobDir());
}

/** Delivered INBOX messages: subject and blob key (read from the shared blob store). */
async function delivered(): Promise<{ subject: string; key: string }[]> {
  const result = await db.query<{ blob_key: string }>(`SELECT blob_key FROM messages`);
  return result.rows.map((row) => {
    const text = readFileSync(blobPath(row.blob_key), 'utf8');
    return { subject: /^Subject: ([^\r\n]+)/m.exec(text)?.[1] ?? '', key: row.blob_key };
  });
}

function blobPath(key: string): string {
  return path.join(blobDir(), key.slice(0, 2), key.slice(2, 4), key);
}

async function health(node: string): Promise<{ status: number; body: { checks?: Record<string, string> } }> {
  const response = await fetch(`http://127.0.0.1:${cluster.node(node).ports.http}/healthz`, {
    signal: AbortSignal.timeout(2000),
  });
  return { status: response.status, body: (await response.json()) as { checks?: Record<string, string> } };
}

/** Cluster checks wait longer and poll less often than in-process ones. */
const eventually = <T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000) =>
  poll(check, timeoutMs, 100);

/** One message straight to a node; returns the final reply to the data. */
async function send(node: string, subject: string): Promise<string> {
  const { reply, greeting } = await sendMail(
    cluster.node(node).ports.smtp,
    { from: 'peer@remote.example', to: USER, subject },
    { proxy: true },
  );
  expect(greeting).toContain(`${node}.cluster.test`);
  return reply;
}

describeIf('local cluster: shared blob store unavailable (f)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-store-outage-'));
    cluster = await upTestCluster({
      topology: 'basic',
      dir,
      nodes: 2,
      spares: 0,
      leaseSeconds: 4,
      drainDelayMs: 500,
    });
    db = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 });
    db.on('error', () => undefined);
    const sql = new PgDatabase({ connectionString: cluster.databaseUrl });
    const directory = new Directory(sql);
    await directory.addDomain(DOMAIN);
    await directory.addAccount(USER, 'pw');
    await sql.close();
    for (const node of NODES) await cluster.waitForHaproxy(node, 'UP');
  });

  afterAll(async () => {
    // Even after a failure: put the store back first, so the nodes can drain and the dir be removed.
    if (cluster) {
      try {
        restoreStore();
      } catch {
        // best effort
      }
    }
    await db?.end().catch(() => undefined);
    await cluster?.down({ graceMs: 5000 }).catch(() => undefined);
    if (dir && !process.env.NIMBUS_KEEP_CLUSTER) rmSync(dir, { recursive: true, force: true });
  });

  test('451 4.3.0 and /healthz 503 while the store is gone; nothing acknowledged is lost', async () => {
    const acked: string[] = [];

    // Before the outage: accepted by both nodes and delivered.
    for (const node of NODES) {
      for (let i = 0; i < 2; i++) {
        const subject = `before-${node}-${i}`;
        expect(await send(node, subject)).toMatch(/^250 /);
        acked.push(subject);
      }
    }
    const before = await eventually(async () => {
      const all = await delivered();
      return acked.every((s) => all.some((m) => m.subject === s)) ? all : null;
    });
    const beforeKeys = before.map((m) => m.key);

    // The outage.
    breakStore();
    for (const node of NODES) {
      const { body } = await eventually(async () => {
        const result = await health(node);
        return result.status === 503 ? result : null;
      });
      expect(body.checks?.blobs).toMatch(/^error: /);
      expect(body.checks?.database).toBe('ok');
    }
    const refused: string[] = [];
    for (const node of NODES) {
      for (let i = 0; i < 3; i++) {
        const subject = `during-${node}-${i}`;
        const reply = await send(node, subject);
        expect(reply).toMatch(/^451 4\.3\.0 /);
        refused.push(subject);
      }
    }
    // The failed health checks take the nodes out of the load balancer.
    for (const node of NODES) await cluster.waitForHaproxy(node, 'DOWN');

    // The store is back.
    restoreStore();
    for (const node of NODES) {
      await eventually(async () => (await httpStatus(cluster.node(node).ports.http, '/healthz')) === 200);
      await cluster.waitForHaproxy(node, 'UP');
    }
    for (const node of NODES) {
      for (let i = 0; i < 2; i++) {
        const subject = `after-${node}-${i}`;
        expect(await send(node, subject)).toMatch(/^250 /);
        acked.push(subject);
      }
    }
    const through = await sendMail(cluster.frontends.smtp, {
      from: 'peer@remote.example',
      to: USER,
      subject: 'after-haproxy',
    });
    expect(through.reply).toMatch(/^250 /);
    acked.push('after-haproxy');

    // Every 250 delivered exactly once; no 451 delivered at all.
    const final = await eventually(async () => {
      const all = await delivered();
      return acked.every((s) => all.some((m) => m.subject === s)) ? all : null;
    });
    const subjects = final.map((m) => m.subject);
    for (const subject of acked) expect(subjects.filter((s) => s === subject)).toHaveLength(1);
    for (const subject of refused) expect(subjects).not.toContain(subject);
    expect(final).toHaveLength(acked.length);

    // The blobs accepted before the outage are intact (content still hashes to its key).
    for (const key of beforeKeys) {
      expect(
        createHash('sha256')
          .update(readFileSync(blobPath(key)))
          .digest('hex'),
      ).toBe(key);
    }
  });
});
