/**
 * `npm run bench -- cluster [--seconds S] [--clients C]`: aggregate SMTP accept rate through
 * HAProxy with 1, 2 and 3 nodes (scaling ratio), and the time from a node SIGKILL to the first
 * successful SMTP transaction through HAProxy. Loopback only; one local cluster, spare slots
 * started one by one. Needs PostgreSQL (NIMBUS_TEST_DATABASE_URL or postgres@127.0.0.1) and HAProxy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster, freePort } from '../containers/cluster/local-cluster';
import { PgDatabase } from '../core/adapters/postgres/pg-database';
import { Directory } from '../core/directory/directory';
import { sendMail } from '../test/helpers/haproxy';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 8);
const CLIENTS = arg('clients', 8);
const USER = 'bench@cluster.example';

async function rate(port: number): Promise<number> {
  let accepted = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let n = 0; Date.now() < end; n++) {
        const { reply } = await sendMail(port, {
          from: 'load@remote.example',
          to: USER,
          subject: `b-${c}-${n}`,
        }).catch(() => ({ reply: 'error' }));
        if (reply.startsWith('250')) accepted++;
      }
    }),
  );
  return accepted / SECONDS;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-cluster-'));
  const cluster = await LocalCluster.up({
    topology: 'basic',
    dir,
    nodes: 1,
    spares: 2,
    frontends: {
      smtp: await freePort(),
      submission: await freePort(),
      imap: await freePort(),
      pop3: await freePort(),
      http: await freePort(),
    },
    checkIntervalMs: 200,
    heartbeatSeconds: 1,
    leaseSeconds: 5,
    drainDelayMs: 500,
  });
  try {
    const sql = new PgDatabase({ connectionString: cluster.databaseUrl });
    await new Directory(sql).addDomain('cluster.example');
    await new Directory(sql).addAccount(USER, 'pw');
    await sql.close();
    const port = cluster.frontends.smtp;
    const rates: number[] = [];
    for (let nodes = 1; nodes <= 3; nodes++) {
      if (nodes > 1) await cluster.addNode();
      await cluster.waitForHaproxy(`node${nodes}`, 'UP');
      const r = await rate(port);
      rates.push(r);
      process.stdout.write(
        `${nodes} node(s): ${r.toFixed(1)} msg/s accepted through HAProxy (${CLIENTS} clients, ${SECONDS} s)` +
          `${nodes > 1 ? `, scaling ×${(r / rates[0]).toFixed(2)}` : ''}\n`,
      );
    }
    const killedAt = Date.now();
    process.kill(cluster.node('node1').pid!, 'SIGKILL');
    let reconnectMs = -1;
    for (let i = 0; i < 600; i++) {
      const { reply } = await sendMail(port, {
        from: 'k@remote.example',
        to: USER,
        subject: 'after-kill',
      }).catch(() => ({ reply: 'error' }));
      if (reply.startsWith('250')) {
        reconnectMs = Date.now() - killedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    process.stdout.write(`node SIGKILL → first 250 through HAProxy: ${reconnectMs} ms\n`);
    process.stdout.write(`(${os.cpus().length} CPU cores; every node, PostgreSQL and HAProxy share them)\n`);
  } finally {
    await cluster.down({ graceMs: 5000 });
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
