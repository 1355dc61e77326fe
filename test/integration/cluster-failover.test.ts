/**
 * Issue #6: a real local cluster (basic topology: 2 node processes + 1 spare slot, one
 * PostgreSQL database, one shared file blob store) behind a real HAProxy (TCP mode, PROXY v2,
 * HTTP health checks against /healthz). Scenarios run in order on the same cluster:
 * (c) IDLE across nodes, (b) SIGTERM drain, (a) SIGKILL while sending, (d) a node joins,
 * (e) database connections terminated.
 *
 * Needs PostgreSQL (NIMBUS_TEST_DATABASE_URL, default postgres@127.0.0.1:5432) and HAProxy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { LocalCluster, httpStatus } from '../../containers/cluster/local-cluster';
import { ClusterRegistry } from '../../core/cluster/registry';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { Directory } from '../../core/directory/directory';
import { FileBlobStore } from '../../core/adapters/local/file-blob-store';
import {
  ADMIN_DATABASE_URL,
  LineClient,
  expectCode,
  haproxyBinary,
  upTestCluster,
  sendMail,
} from '../helpers/haproxy';
import { eventually as poll } from '../helpers/eventually';

jest.setTimeout(240_000);

const DOMAIN = 'cluster.example';
const USER = `user@${DOMAIN}`;
const haproxy = haproxyBinary();
const describeIf = haproxy ? describe : describe.skip;

let cluster: LocalCluster;
let dir: string;
let db: pg.Pool;

/** Subjects of every stored message (read from the shared blob store). */
async function subjects(): Promise<string[]> {
  const result = await db.query<{ blob_key: string }>(`SELECT blob_key FROM messages`);
  const blobs = new FileBlobStore(cluster.state.blobs);
  const out: string[] = [];
  for (const row of result.rows) {
    const text = (await blobs.get(row.blob_key)).toString('utf8');
    out.push(/^Subject: ([^\r\n]+)/m.exec(text)?.[1] ?? '');
  }
  return out;
}

/** Cluster checks wait longer and poll less often than in-process ones. */
const eventually = <T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000) =>
  poll(check, timeoutMs, 100);

/** Connects through HAProxy until the session lands on `node` (round robin / leastconn). */
async function connectTo(port: number, node: string, greeting: RegExp): Promise<LineClient> {
  for (let i = 0; i < 20; i++) {
    const client = await LineClient.connect(port);
    const line = await client.waitFor(greeting);
    if (line.includes(`${node}.cluster.test`)) return client;
    client.close();
  }
  throw new Error(`no session landed on ${node}`);
}

async function imapLogin(client: LineClient): Promise<void> {
  client.write(`a1 LOGIN ${USER} pw\r\n`);
  await client.waitFor(/^a1 OK/);
  client.write('a2 SELECT INBOX\r\n');
  await client.waitFor(/^a2 OK/);
}

describeIf('local cluster behind HAProxy', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-cluster-'));
    cluster = await upTestCluster({
      topology: 'basic',
      dir,
      nodes: 2,
      spares: 1,
      leaseSeconds: 4,
      drainDelayMs: 1500,
    });
    db = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 });
    db.on('error', () => undefined); // (e) terminates this pool's connections too
    // Through a node's admin endpoint, as an operator would (the directory is shared in SQL).
    const sql = new PgDatabase({ connectionString: cluster.databaseUrl });
    const directory = new Directory(sql);
    await directory.addDomain(DOMAIN);
    await directory.addAccount(USER, 'pw');
    await sql.close();
    await cluster.waitForHaproxy('node1', 'UP');
    await cluster.waitForHaproxy('node2', 'UP');
  });

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await cluster?.down({ graceMs: 5000 }).catch(() => undefined);
    if (dir && !process.env.NIMBUS_KEEP_CLUSTER) rmSync(dir, { recursive: true, force: true });
  });

  test('registry: both nodes registered and alive, with roles and sessions', async () => {
    const nodes = await eventually(async () => {
      const list = await new ClusterRegistry({
        query: (text: string, params?: readonly unknown[]) =>
          db.query(text, params as unknown[]).then((r) => ({ rows: r.rows, rowCount: r.rowCount ?? 0 })),
        transaction: () => Promise.reject(new Error('unused')),
      } as never).list();
      return list.length >= 2 && list.every((n) => n.health === 'alive') ? list : null;
    });
    expect(nodes.map((n) => n.id).sort()).toEqual(['node1', 'node2']);
    expect(nodes[0].roles).toContain('mx');
  });

  test('(c) IMAP IDLE on one node sees a delivery made through the other', async () => {
    const imap = await LineClient.connect(cluster.frontends.imap);
    const greeting = await imap.waitFor(/^\* OK/);
    const idleNode = /node(\d)\.cluster\.test/.exec(greeting)![0].split('.')[0];
    const other = idleNode === 'node1' ? 'node2' : 'node1';
    await imapLogin(imap);
    imap.write('a3 IDLE\r\n');
    await imap.waitFor(/^\+ /);
    // SMTP straight to the other node (with the PROXY header it expects from its load balancer).
    const sent = await sendMail(
      cluster.node(other).ports.smtp,
      { from: 'peer@remote.example', to: USER, subject: 'idle-cross-node' },
      { proxy: true },
    );
    expect(sent.greeting).toContain(`${other}.cluster.test`);
    expect(sent.reply).toMatch(/^250 /);
    await imap.waitFor(/^\* \d+ EXISTS/, 30_000);
    imap.write('DONE\r\n');
    await imap.waitFor(/^a3 OK/);
    imap.close();
  });

  test('(b) SIGTERM drains: /healthz 503, HAProxy marks it down, the SMTP transaction finishes, IMAP gets BYE', async () => {
    const victim = 'node2';
    const smtp = await connectTo(cluster.frontends.smtp, victim, /^220 /);
    const imap = await connectTo(cluster.frontends.imap, victim, /^\* OK/);
    await imapLogin(imap);
    smtp.write('EHLO drain.example\r\n');
    await expectCode(smtp, 250);
    smtp.write(`MAIL FROM:<drain@remote.example>\r\nRCPT TO:<${USER}>\r\nDATA\r\n`);
    await expectCode(smtp, 250);
    await expectCode(smtp, 250);
    await expectCode(smtp, 354);
    smtp.write(`Subject: drain-in-flight\r\n\r\nfirst half\r\n`);

    process.kill(cluster.node(victim).pid!, 'SIGTERM');
    await eventually(async () => (await httpStatus(cluster.node(victim).ports.http, '/healthz')) === 503);
    await cluster.waitForHaproxy(victim, 'DOWN');
    // New clients only reach the survivor now.
    const fresh = await sendMail(cluster.frontends.smtp, {
      from: 'x@remote.example',
      to: USER,
      subject: 'drain-new-client',
    });
    expect(fresh.greeting).toContain('node1.cluster.test');
    expect(fresh.reply).toMatch(/^250 /);

    smtp.write('second half\r\n.\r\n');
    expect(await smtp.reply()).toMatch(/^250 /);
    await imap.waitFor(/^\* BYE/, 30_000);
    await eventually(async () => (await subjects()).includes('drain-in-flight')).catch(async (error) => {
      const jobs = await db.query(`SELECT id, state, lease_owner, last_error, attempts FROM spool_jobs`);
      throw new Error(
        `${(error as Error).message}; spool ${JSON.stringify(jobs.rows)}; subjects ${JSON.stringify(await subjects())}`,
      );
    });
    const registry = await db.query<{ stopped_at: Date | null }>(
      `SELECT stopped_at FROM cluster_nodes WHERE id = $1`,
      [victim],
    );
    await eventually(async () => {
      const row = await db.query(`SELECT stopped_at FROM cluster_nodes WHERE id = $1`, [victim]);
      return row.rows[0]?.stopped_at;
    });
    expect(registry.rowCount).toBe(1);
    smtp.close();
    imap.close();

    await cluster.startNode(victim);
    await cluster.waitForHaproxy(victim, 'UP');
  });

  test('(a) SIGKILL while a client sends through HAProxy: every 250 is delivered exactly once', async () => {
    const total = 40;
    const acked = new Set<string>();
    let killed = false;
    for (let n = 0; n < total; n++) {
      const subject = `kill-${n}`;
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          const { reply } = await sendMail(cluster.frontends.smtp, {
            from: 'load@remote.example',
            to: USER,
            subject,
          });
          if (reply.startsWith('250')) {
            acked.add(subject);
            break;
          }
        } catch {
          // connection dropped by the kill: reconnect through HAProxy (the survivor answers)
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (n === 12 && !killed) {
        killed = true;
        process.kill(cluster.node('node1').pid!, 'SIGKILL');
      }
    }
    expect(acked.size).toBe(total);
    // The survivor declares node1 dead (heartbeat missing) and releases its leases.
    await eventually(async () => {
      const row = await db.query(`SELECT dead_at FROM cluster_nodes WHERE id = 'node1'`);
      return row.rows[0]?.dead_at;
    });
    const delivered = await eventually(async () => {
      const all = await subjects();
      const mine = all.filter((s) => s.startsWith('kill-'));
      return mine.length >= acked.size ? mine : null;
    }, 60_000);
    for (const subject of acked) expect(delivered.filter((s) => s === subject)).toHaveLength(1);
    expect(delivered).toHaveLength(acked.size);

    await cluster.startNode('node1');
    await cluster.waitForHaproxy('node1', 'UP');
  });

  test('(d) a node added while running joins the registry and takes traffic', async () => {
    const added = await cluster.addNode();
    expect(added.name).toBe('node3');
    await cluster.waitForHaproxy('node3', 'UP');
    const client = await connectTo(cluster.frontends.smtp, 'node3', /^220 /);
    client.close();
    const row = await db.query(`SELECT roles FROM cluster_nodes WHERE id = 'node3' AND stopped_at IS NULL`);
    expect(row.rowCount).toBe(1);
  });

  test('(e) database connections terminated (pg_terminate_backend): nodes carry on without restart', async () => {
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [cluster.state.database.name],
    );
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);
    const replies: string[] = [];
    const sent = await eventually(async () => {
      const { reply } = await sendMail(cluster.frontends.smtp, {
        from: 'after@remote.example',
        to: USER,
        subject: 'after-db-restart',
      });
      replies.push(reply);
      return reply.startsWith('250') ? reply : null;
    });
    expect(sent).toMatch(/^250 /);
    // Every refusal was temporary: nothing bounced during the outage.
    for (const reply of replies) expect(reply).toMatch(/^(250|4\d\d) /);
    await eventually(async () => (await subjects()).includes('after-db-restart'));
  });
});
