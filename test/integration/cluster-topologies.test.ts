/**
 * The standard and advanced topologies run for real: role-separated node pools behind HAProxy on
 * one PostgreSQL and one shared blob store. Mail sent to the HAProxy SMTP frontend (the mx pool)
 * is delivered and read back over IMAP through the HAProxy IMAP frontend (the access pool).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { LocalCluster } from '../../containers/cluster/local-cluster';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { Directory } from '../../core/directory/directory';
import { haproxyBinary, upTestCluster, sendMail } from '../helpers/haproxy';
import { eventually as poll } from '../helpers/eventually';

jest.setTimeout(240_000);

const haproxy = haproxyBinary();
const describeIf = haproxy ? describe : describe.skip;

/** Cluster checks wait longer and poll less often than in-process ones. */
const eventually = <T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000) =>
  poll(check, timeoutMs, 200);

describeIf.each(['standard', 'advanced'] as const)('local cluster, %s topology', (topology) => {
  let cluster: LocalCluster | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), `nimbus-${topology}-`));
    cluster = await upTestCluster({
      topology,
      dir,
      nodes: 1,
      spares: 0,
    });
    const sql = new PgDatabase({ connectionString: cluster.databaseUrl });
    const directory = new Directory(sql);
    await directory.addDomain('topo.example');
    await directory.addAccount('tess@topo.example', 'tess-pw');
    await sql.close();
  });

  afterAll(async () => {
    await cluster?.down({ graceMs: 5000 }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers mail accepted by the mx pool to a mailbox read through the access pool', async () => {
    const frontends = cluster!.state.haproxy.frontends;
    const { reply } = await eventually(async () => {
      const sent = await sendMail(frontends.smtp, {
        from: 'far@remote.example',
        to: 'tess@topo.example',
        subject: `hello ${topology}`,
      });
      return sent.reply.startsWith('250') && sent;
    });
    expect(reply).toMatch(/^250 2\.0\.0/);
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: frontends.imap,
      secure: false,
      auth: { user: 'tess@topo.example', pass: 'tess-pw' },
      tls: { rejectUnauthorized: false },
      logger: false,
    });
    await eventually(async () => {
      await client.connect();
      return true;
    });
    try {
      const subject = await eventually(async () => {
        const lock = await client.getMailboxLock('INBOX');
        try {
          const message = await client.fetchOne('*', { envelope: true });
          return message && message.envelope?.subject;
        } finally {
          lock.release();
        }
      });
      expect(subject).toBe(`hello ${topology}`);
    } finally {
      await client.logout().catch(() => undefined);
    }
    // Every pool of the topology registered in the shared database.
    const pools = new Set(cluster!.state.nodes.map((node) => node.pool));
    expect(pools.size).toBe(topology === 'standard' ? 2 : 4);
  });
});
