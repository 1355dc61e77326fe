import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { AdminError } from '../../core/admin/admin-error';
import type { ClusterStatus } from '../../core/cluster/registry';
import { runAdmin } from '../node/admin-client';
import { printResult } from '../node/cli-output';
import { loadConfig, type NodeConfig } from '../node/config';

/* eslint-disable @typescript-eslint/no-require-imports -- loaded by the command that needs them, so
   `nimbus --help` and the admin commands never load the cluster's or the storage's modules */
const localCluster = () => require('./local-cluster') as typeof import('./local-cluster');
const storage = () => require('../node/storage') as typeof import('../node/storage');
const doctor = () => require('../../core/cluster/doctor') as typeof import('../../core/cluster/doctor');
const sqlSpool = () =>
  require('../../core/adapters/sql/sql-spool') as typeof import('../../core/adapters/sql/sql-spool');
/* eslint-enable @typescript-eslint/no-require-imports */
import { TOPOLOGIES, type Topology } from './topology';

interface GlobalOptions {
  data?: string;
  config?: string;
}

/** The config of a local cluster (--dir: its database), or of the node/database the globals name. */
function clusterConfig(globals: GlobalOptions, dir?: string): NodeConfig {
  const overrides: Record<string, unknown> = { dataDir: globals.data };
  if (dir) {
    const state = JSON.parse(readFileSync(path.join(dir, 'cluster.json'), 'utf8')) as {
      database: { url: string };
    };
    overrides.databaseUrl = state.database.url;
    overrides.dataDir = path.join(dir, '.cli');
  }
  return loadConfig({ configFile: globals.config, overrides });
}

function formatStatus(result: unknown): string {
  const status = result as ClusterStatus;
  const rows = status.nodes.map((n) => {
    const sessions = Object.entries(n.sessions)
      .map(([protocol, count]) => `${protocol}=${count}`)
      .join(' ');
    return `${n.id.padEnd(14)} ${n.health.padEnd(9)} ${n.roles.join(',').padEnd(40)} ${n.host}  beat ${n.heartbeatAgeSeconds}s ago  ${sessions}`;
  });
  const queues = Object.entries(status.queues).map(
    ([queue, d]) =>
      `queue ${queue}: ready=${d.ready} leased=${d.leased} dead=${d.dead} oldest=${d.oldestAgeSeconds}s`,
  );
  return [...(rows.length ? rows : ['no nodes registered']), ...queues].join('\n');
}

/** `nimbus cluster status|drain|up|down` and `nimbus doctor`. */
export function registerClusterCommands(program: Command, globals: () => GlobalOptions): void {
  const cluster = program.command('cluster').description('cluster nodes; a local cluster behind HAProxy');
  cluster
    .command('status')
    .description('nodes, roles, health (alive/dead/draining), sessions per protocol, queue depth')
    .option('--dir <dir>', 'a local cluster made by `cluster up`')
    .option('--json', 'machine-readable output')
    .action(async (o: { dir?: string; json?: boolean }) => {
      printResult(
        await runAdmin(clusterConfig(globals(), o.dir), { op: 'cluster.status' }),
        !!o.json,
        formatStatus,
      );
    });
  cluster
    .command('drain <node>')
    .description(
      'health check 503, no new spool jobs; sessions in progress finish (--undo to clear the flag)',
    )
    .option('--dir <dir>', 'a local cluster made by `cluster up`')
    .option('--undo', 'clear the draining flag: the node takes work again within a heartbeat')
    .action(async (node: string, o: { dir?: string; undo?: boolean }) => {
      await runAdmin(clusterConfig(globals(), o.dir), { op: 'cluster.drain', node, undo: o.undo });
      process.stdout.write(o.undo ? `node ${node}: draining flag cleared\n` : `node ${node} is draining\n`);
    });
  cluster
    .command('up')
    .description('start a local cluster: fresh PostgreSQL database, node processes, HAProxy in front')
    .addOption(
      new Option('--topology <name>', 'basic, standard or advanced')
        .choices([...TOPOLOGIES])
        .default('basic'),
    )
    .requiredOption('--dir <dir>', 'directory for node data, logs, haproxy.cfg and cluster.json')
    .option('--nodes <n>', 'nodes per pool', '2')
    .option('--spares <n>', 'pre-declared HAProxy slots per pool for `cluster add`', '1')
    .option('--database-url <url>', 'PostgreSQL admin URL (CREATE DATABASE)')
    .option('--insecure-auth', 'allow plaintext IMAP/POP3 logins (loopback demos)')
    .action(
      async (o: {
        topology: Topology;
        dir: string;
        nodes: string;
        spares: string;
        databaseUrl?: string;
        insecureAuth?: boolean;
      }) => {
        const { LocalCluster, describeCluster } = localCluster();
        const up = await LocalCluster.up({
          topology: o.topology,
          dir: o.dir,
          nodes: Number(o.nodes),
          spares: Number(o.spares),
          adminDatabaseUrl: o.databaseUrl,
          insecureAuth: o.insecureAuth,
        });
        process.stdout.write(`${describeCluster(up)}\ndatabase ${up.databaseUrl}\n`);
      },
    );
  cluster
    .command('add')
    .description('start the next spare node of a pool (it joins; HAProxy health checks bring it in)')
    .requiredOption('--dir <dir>', 'the local cluster')
    .option('--pool <name>', 'pool (node, mail, web, mx, mta, access)')
    .action(async (o: { dir: string; pool?: string }) => {
      const node = await (await localCluster().LocalCluster.load(o.dir)).addNode(o.pool);
      process.stdout.write(`node ${node.name} started (${node.roles.join(',')})\n`);
    });
  cluster
    .command('down')
    .description('stop the local cluster (nodes drain on SIGTERM), stop HAProxy, drop its database')
    .requiredOption('--dir <dir>', 'the local cluster')
    .action(async (o: { dir: string }) => {
      await (await localCluster().LocalCluster.load(o.dir)).down();
      process.stdout.write(`cluster in ${path.resolve(o.dir)} stopped\n`);
    });

  program
    .command('doctor')
    .description('health signals from SQL (dead nodes, queue age, dead letters) → recovery decisions')
    .option('--dir <dir>', 'a local cluster made by `cluster up`')
    .option('--fix', 'apply: release dead nodes’ leases, retry dead letters whose cause is resolved')
    .option('--queue-age <seconds>', 'backlog threshold for the oldest job', '900')
    .option('--json', 'machine-readable output')
    .action(async (o: { dir?: string; fix?: boolean; queueAge: string; json?: boolean }) => {
      const config = clusterConfig(globals(), o.dir);
      if (!config.databaseUrl)
        throw new AdminError('invalid', 'doctor needs a shared database (DATABASE_URL or --dir)');
      const db = await storage().openDatabase(config);
      const { formatDoctorReport, runDoctor } = doctor();
      try {
        const report = await runDoctor(db, new (sqlSpool().SqlSpool)(db), {
          fix: o.fix,
          queueAgeSeconds: Number(o.queueAge),
        });
        printResult(report, !!o.json, () => formatDoctorReport(report, !!o.fix));
      } finally {
        await db.close();
      }
    });
}
