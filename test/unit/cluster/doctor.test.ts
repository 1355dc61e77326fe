/** Signal gathering for `nimbus doctor` (core/cluster/doctor.ts) and the registry, on PGlite. */
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { SqlSpool } from '../../../core/adapters/sql/sql-spool';
import { gatherSignals, runDoctor } from '../../../core/cluster/doctor';
import { ClusterRegistry } from '../../../core/cluster/registry';
import { runMigrations } from '../../../core/db/migrate';
import type { SpoolPayload } from '../../../core/ports/spool';
import { planTopology, renderHaproxyConfig } from '../../../containers/cluster/topology';

let db: PgliteDatabase;
let spool: SqlSpool;
let registry: ClusterRegistry;

const payload = (id: string): SpoolPayload => ({
  queueId: id,
  blobKey: 'k'.repeat(64),
  size: 1,
  mailFrom: 'a@b.test',
  recipients: [{ address: 'c@d.test' }],
  receivedAt: new Date().toISOString(),
});

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  spool = new SqlSpool(db);
  registry = new ClusterRegistry(db);
});
afterAll(async () => db.close());

beforeEach(async () => {
  await db.query('TRUNCATE cluster_nodes, spool_jobs, recovery_log');
  for (const id of ['n1', 'n2']) {
    await registry.register({
      id,
      roles: ['mx', 'delivery'],
      host: '127.0.0.1',
      ports: { smtp: 25 },
      version: 't',
      heartbeatSeconds: 10,
    });
  }
});

const age = (id: string, seconds: number) =>
  db.query(`UPDATE cluster_nodes SET heartbeat_at = now() - make_interval(secs => $2) WHERE id = $1`, [
    id,
    seconds,
  ]);

test('a healthy cluster gives no signals', async () => {
  const findings = await gatherSignals(db, spool);
  expect(findings.current).toEqual([]);
  expect(findings.nodes.map((n) => n.health)).toEqual(['alive', 'alive']);
});

test('a heartbeat older than 3 intervals is a heartbeat-missing signal for that node', async () => {
  await age('n2', 29);
  expect((await gatherSignals(db, spool)).current).toEqual([]);
  await age('n2', 31);
  const { current, nodes } = await gatherSignals(db, spool);
  expect(nodes.find((n) => n.id === 'n2')!.health).toBe('dead');
  expect(current).toEqual([
    expect.objectContaining({ kind: 'heartbeat-missing', nodeId: 'n2', role: 'delivery' }),
  ]);
});

test('draining and stopped nodes are not dead', async () => {
  await registry.setDraining('n1', true);
  await registry.markStopped('n2');
  await age('n2', 100);
  const { current, nodes } = await gatherSignals(db, spool);
  expect(nodes.map((n) => n.health)).toEqual(['draining', 'stopped']);
  expect(current).toEqual([]);
});

test('queue age above the threshold and dead letters are signals', async () => {
  await spool.enqueue('inbound', 'j1', payload('j1'));
  await spool.enqueue('inbound', 'j2', payload('j2'));
  await db.query(`UPDATE spool_jobs SET created_at = now() - interval '2 hours'`);
  const [job] = await spool.receive('inbound', { max: 1, leaseSeconds: 60, owner: 'n1' });
  await spool.deadLetter(job, 'boom');
  const { current } = await gatherSignals(db, spool, { queueAgeSeconds: 900 });
  expect(current.map((s) => `${s.kind}:${s.queue}:${s.value}`).sort()).toEqual([
    'dlq-not-empty:inbound:1',
    expect.stringMatching(/^queue-age-high:inbound:7\d{3}$/),
  ]);
});

test('doctor --fix marks a silent node dead and releases its leases', async () => {
  await spool.enqueue('inbound', 'j1', payload('j1'));
  await spool.receive('inbound', { max: 1, leaseSeconds: 600, owner: 'n2' });
  await age('n2', 60);
  const report = await runDoctor(db, spool, { fix: true });
  expect(report.applied.map((a) => a.action.kind)).toContain('mark-node-dead');
  expect((await spool.get('j1'))!.state).toBe('ready');
  // Recorded: a second run does not repeat the action (cooldown), and the signal is not re-recorded.
  const again = await runDoctor(db, spool, { fix: true });
  expect(again.applied.filter((a) => a.action.kind === 'mark-node-dead')).toEqual([]);
  expect(again.recorded).toEqual([]);
});

test('dead letters are retried once their cause (a dead delivery node) stayed resolved', async () => {
  await spool.enqueue('inbound', 'j1', payload('j1'));
  const [job] = await spool.receive('inbound', { max: 1, leaseSeconds: 60, owner: 'n1' });
  await spool.deadLetter(job, 'node died');
  await age('n2', 60);
  const t0 = Date.now();
  const first = await runDoctor(db, spool, { fix: true, now: t0, redriveQuietMs: 1000 });
  expect(first.applied.map((a) => a.action.kind)).not.toContain('redrive-dead-letters');
  await registry.register({
    id: 'n2',
    roles: ['mx', 'delivery'],
    host: '127.0.0.1',
    ports: {},
    version: 't',
    heartbeatSeconds: 10,
  });
  const resolved = await runDoctor(db, spool, { fix: true, now: t0 + 10, redriveQuietMs: 1000 });
  expect(resolved.recorded.map((s) => s.state)).toContain('resolved');
  const later = await runDoctor(db, spool, { fix: true, now: t0 + 5000, redriveQuietMs: 1000 });
  expect(later.applied.map((a) => a.action.kind)).toContain('redrive-dead-letters');
  expect((await spool.get('j1'))!.state).toBe('ready');
});

test('topologies and the generated HAProxy config', () => {
  expect(planTopology('advanced', 2).map((p) => `${p.name}:${p.roles.join('+')}`)).toEqual([
    'mx:mx+delivery',
    'mta:mta',
    'access:submission+imap+pop3+managesieve',
    'web:web',
  ]);
  const config = renderHaproxyConfig({
    frontends: { smtp: 1025, submission: 1587, imap: 1143, pop3: 1110, managesieve: 14190, http: 1080 },
    servers: [{ name: 'mx1', roles: ['mx'], ports: { smtp: 2025, http: 2080 } }],
    statsSocket: '/tmp/x.sock',
    checkIntervalMs: 300,
  });
  expect(config).toContain('server mx1 127.0.0.1:2025 send-proxy-v2 check port 2080 inter 300');
  expect(config).toContain('option httpchk GET /healthz');
  expect(config).not.toContain('be_imap');
});
