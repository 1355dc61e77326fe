/**
 * Task boot test (issue #12): for every stage, every ECS container of the synthesized template
 * runs from the shipped bundle (containers/build.ts) the way ECS runs it — the template's
 * environment, its secrets injected from Secrets Manager (moto), its user, its command, a
 * read-only root file system with only the task's volumes writable — and is probed the way the
 * load balancers probe it: each target group's health check with a PROXY v2 header, and a real
 * SMTP → IMAP/POP3 round trip through every mail listener with a PROXY v2 header.
 *
 * Stand-ins (see test/helpers/task-boot.ts): moto for S3/SQS/Secrets Manager, the local
 * PostgreSQL for Aurora/RDS Proxy, 127.0.0.0/8 for the VPC, one loopback address per task.
 * The only settings added to the template's are NIMBUS_RESOLVER_OVERRIDES (DNS answers from a
 * fixed map: no lookup may leave the machine) and a short EMF interval where a test reads metrics.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { STAGES, type StageName } from '../../infra/config/stages';
import { MAIL_PORTS, servicesOf } from '../../infra/config/topology';
import { encodeProxyV2 } from '../../containers/net/proxy-protocol';
import { Directory } from '../../core/directory/directory';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { startMoto, type Moto } from '../helpers/moto';
import { imapSubjects, pop3Count, smtpSend, Wire } from '../helpers/mail-wire';
import {
  bootTask,
  buildAppDir,
  synthStageTemplates,
  StageWorld,
  mailGroups,
  type BootedTask,
} from '../helpers/task-boot';
import type { ContainerSpec, TargetGroupSpec } from '../helpers/task-definition';
import { eventually } from '../helpers/eventually';

jest.setTimeout(600_000);

const USER = 'robin@boot.test';
const PASSWORD = 'Tall-Lantern-Quarry-8362';
/** A client out on the internet, as the NLB's PROXY v2 header names it. */
const CLIENT = { address: '203.0.113.7', port: 40123 };
/** Test-only: DNS from a fixed map (no real lookups); `sender.test` has no MX, SPF or DMARC. */
const RESOLVER = { NIMBUS_RESOLVER_OVERRIDES: 'remote.test=127.0.0.1:9' };

let moto: Moto;
let app: ReturnType<typeof buildAppDir>;
let tlsSecret: string;

beforeAll(async () => {
  moto = await startMoto({ setEnv: false });
  app = buildAppDir();
  tlsSecret = selfSignedCertificate();
}, 300_000);

afterAll(async () => {
  await moto?.stop();
  app?.remove();
});

const stageNames = Object.keys(STAGES) as StageName[];

describe.each(stageNames.map((name, index) => [name, index] as const))('stage %s', (name, stageIndex) => {
  let world: StageWorld;
  let containers: ContainerSpec[];
  const tasks: BootedTask[] = [];

  beforeAll(async () => {
    world = await StageWorld.create(synthStageTemplates(STAGES[name]), moto, {
      secretValues: { TlsCertificate: tlsSecret },
    });
    containers = world.containers();
    const boot = (container: ContainerSpec, i: number) =>
      bootTask(world, container, {
        appDir: app.appDir,
        address: `127.0.${10 + stageIndex}.${i + 1}`,
        extraEnv: RESOLVER,
      });
    // The first task runs the migrations; the others start against the migrated schema.
    tasks.push(await boot(containers[0], 0));
    await tasks[0].ready();
    // Every started task is in `tasks` at once, so that afterAll stops it whatever fails.
    const started = await Promise.allSettled(
      containers.slice(1).map(async (c, i) => void tasks.push(await boot(c, i + 1))),
    );
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    await Promise.all(tasks.slice(1).map((task) => task.ready()));
    const db = new PgDatabase({ connectionString: world.masterDatabaseUrl() });
    const directory = new Directory(db);
    await directory.addDomain('boot.test');
    await directory.addAccount(USER, PASSWORD);
    await db.close();
  }, 400_000);

  afterAll(async () => {
    const codes = await Promise.all(tasks.map((task) => task.stop('SIGTERM')));
    await world?.destroy();
    // A clean drain: every task exits 0 on SIGTERM.
    expect(codes).toEqual(tasks.map(() => 0));
  }, 200_000);

  test('every service of the topology has a container, and each runs as the template says', async () => {
    const services = Object.keys(STAGES[name].cluster.services).sort();
    expect(containers.map((c) => c.service).sort()).toEqual(services);
    for (const task of tasks) {
      const { container } = task;
      expect(container.readonlyRootFilesystem).toBe(true);
      expect(container.user).toBe('1000:1000');
      expect(container.command).toEqual(['start']);
      // NIMBUS_DATA is below a writable mount point of task storage.
      const dataDir = task.env.NIMBUS_DATA;
      expect(dataDir).toBeTruthy();
      const mount = container.mountPoints.find(
        (m) => !m.ReadOnly && (dataDir + '/').startsWith(m.ContainerPath.replace(/\/?$/, '/')),
      );
      expect(mount).toBeDefined();
      // The installation secret arrived from Secrets Manager, the same for every task.
      expect(task.env.NIMBUS_SECRET_KEY).toBe(tasks[0].env.NIMBUS_SECRET_KEY);
      expect(task.env.NIMBUS_SECRET_KEY!.length).toBeGreaterThanOrEqual(32);
      expect(task.env.NIMBUS_METRICS).toBe('emf');

      // The running process: the template's user, a read-only /, its files on the task volume.
      const pid = task.child.pid!;
      expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Uid:\s+1000\s/m);
      const mounts = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n');
      const rootMount = mounts.find((line) => line.split(' ')[4] === '/')!;
      expect(rootMount.split(' ')[5]).toMatch(/(^|,)ro(,|$)/);
      expect(
        mounts.some((line) => line.split(' ')[4] === mount!.ContainerPath && / - tmpfs /.test(line)),
      ).toBe(true);
      const inTask = (file: string) => `/proc/${pid}/root${path.join(dataDir, file)}`;
      expect(existsSync(inTask('node.json'))).toBe(true);
      // No per-task key file: the key is the installation's.
      expect(existsSync(inTask('secret.key'))).toBe(false);
    }
  });

  test('port mappings, listener ports and target groups agree with what the node binds', () => {
    for (const task of tasks) {
      const mapped = task.container.portMappings.map((p) => p.ContainerPort).sort();
      const bound = MAIL_PORTS.filter((p) => task.env[p.envVar]).map((p) => Number(task.env[p.envVar]));
      const http = Number(task.env.NIMBUS_HTTP_PORT);
      expect(mapped).toEqual([...bound, http].sort());
      for (const group of task.container.targetGroups) expect(mapped).toContain(group.port);
      for (const group of task.container.targetGroups) expect(mapped).toContain(group.healthCheck.port);
    }
  });

  test("every target group's health check passes as the load balancer sends it (PROXY v2 where enabled)", async () => {
    let checked = 0;
    for (const task of tasks) {
      for (const group of task.container.targetGroups) {
        const status = await healthCheck(task.address, group);
        expect({ group: group.logicalId, status: String(status) }).toEqual({
          group: group.logicalId,
          status: group.healthCheck.healthyCodes,
        });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  const withoutMx = servicesOf(STAGES[name].cluster.topology).some((spec) => !spec.roles.includes('mx'));
  (withoutMx ? test : test.skip)('a health check for a listener the task does not run fails', async () => {
    const task = tasks.find((t) => !t.env.NIMBUS_SMTP_PORT)!;
    const status = await httpGet(
      task.address,
      Number(task.env.NIMBUS_HTTP_PORT),
      '/healthz/smtp',
      encodeProxyV2(),
    );
    expect(status).toBe(404);
  });

  test('SMTP → IMAP and POP3 round trip through every mail listener, each connection with a PROXY v2 header', async () => {
    const subjects: string[] = [];
    for (const task of tasks) {
      for (const group of mailGroups(task, 'smtp')) {
        const subject = `${name}-${task.container.service}-${group.id}-${Date.now()}`;
        const implicitTls = group.id === 'submissions';
        const wire = await Wire.open({
          host: task.address,
          port: group.port,
          proxyHeader: group.proxyProtocolV2 ? encodeProxyV2(CLIENT) : undefined,
          implicitTls,
        });
        const reply = await smtpSend(wire, {
          from: group.id === 'smtp' ? 'someone@sender.test' : USER,
          to: USER,
          subject,
          starttls: group.id === 'submission',
          auth: group.id === 'smtp' ? undefined : { user: USER, password: PASSWORD },
        });
        expect(reply).toMatch(/250 /);
        subjects.push(subject);
      }
    }
    expect(subjects.length).toBeGreaterThanOrEqual(3);

    let imapListeners = 0;
    let pop3Listeners = 0;
    for (const task of tasks) {
      for (const group of mailGroups(task, 'imap')) {
        imapListeners++;
        const seen = await eventually(
          async () => {
            const wire = await Wire.open({
              host: task.address,
              port: group.port,
              proxyHeader: group.proxyProtocolV2 ? encodeProxyV2(CLIENT) : undefined,
              implicitTls: group.id === 'imaps',
            });
            const list = await imapSubjects(wire, {
              user: USER,
              password: PASSWORD,
              starttls: group.id === 'imap',
            });
            return subjects.every((s) => list.includes(s)) && list;
          },
          60_000,
          500,
        );
        expect(seen).toEqual(expect.arrayContaining(subjects));
      }
      for (const group of mailGroups(task, 'pop3')) {
        pop3Listeners++;
        const wire = await Wire.open({
          host: task.address,
          port: group.port,
          proxyHeader: group.proxyProtocolV2 ? encodeProxyV2(CLIENT) : undefined,
          implicitTls: group.id === 'pop3s',
        });
        expect(
          await pop3Count(wire, { user: USER, password: PASSWORD, stls: group.id === 'pop3' }),
        ).toBeGreaterThanOrEqual(subjects.length);
      }
    }
    expect(imapListeners).toBe(2);
    expect(pop3Listeners).toBe(2);
  });

  test('the client address from the PROXY v2 header reaches the Received: line', async () => {
    const task = tasks.find((t) => mailGroups(t, 'imap').length > 0)!;
    const group = mailGroups(task, 'imap').find((g) => g.id === 'imaps')!;
    const wire = await Wire.open({
      host: task.address,
      port: group.port,
      proxyHeader: encodeProxyV2(CLIENT),
      implicitTls: true,
    });
    await wire.read(/^\* OK[^\n]*\n/);
    await wire.command(`b1 LOGIN "${USER}" "${PASSWORD}"`, /(?:^|\n)b1 [^\n]*\n/);
    await wire.command('b2 SELECT INBOX', /(?:^|\n)b2 [^\n]*\n/);
    const header = await wire.command('b3 FETCH 1 (BODY.PEEK[HEADER])', /(?:^|\n)b3 [^\n]*\n/);
    wire.close();
    expect(header).toContain('[203.0.113.7]');
  });

  test('no task logged an error (health probes and PROXY v2 connections close cleanly)', () => {
    for (const task of tasks) {
      const errors = task.jsonLines().filter((line) => typeof line.level === 'number' && line.level >= 50);
      expect({ service: task.container.service, errors }).toEqual({
        service: task.container.service,
        errors: [],
      });
    }
  });

  if (name === 'dev') {
    test('the old bug: without NIMBUS_DATA the node fails loudly on the read-only root', async () => {
      const task = await bootTask(world, containers[0], {
        appDir: app.appDir,
        address: `127.0.${10 + stageIndex}.200`,
        extraEnv: RESOLVER,
        omitEnv: ['NIMBUS_DATA'],
      });
      const code = await task.exited;
      expect(code).not.toBe(0);
      expect(task.stderr + task.stdout).toMatch(
        /invalid setting dataDir: cannot write the data directory .*\((EROFS|ENOENT)\)/,
      );
    });
  }
});

/** One health check as the load balancer sends it; resolves with the HTTP status (or 200/0 for TCP). */
async function healthCheck(address: string, group: TargetGroupSpec): Promise<number> {
  const header = group.proxyProtocolV2 ? encodeProxyV2() : undefined;
  if (group.healthCheck.protocol === 'TCP') {
    const socket = net.connect({ host: address, port: group.healthCheck.port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    if (header) socket.write(header);
    socket.destroy();
    return 200;
  }
  return httpGet(address, group.healthCheck.port, group.healthCheck.path ?? '/', header);
}

/** A raw HTTP/1.1 GET, optionally after a PROXY header (fetch cannot send one). */
function httpGet(address: string, port: number, target: string, header?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port }, () => {
      if (header) socket.write(header);
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: ${address}:${port}\r\nUser-Agent: ELB-HealthChecker/2.0\r\nConnection: close\r\n\r\n`,
      );
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

/** The TLS secret's JSON ({"cert","key"}) with a fresh self-signed certificate for the mail host. */
function selfSignedCertificate(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-boot-cert-'));
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=mail.test',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(made.stderr);
  const secret = JSON.stringify({
    cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
  });
  rmSync(dir, { recursive: true, force: true });
  return secret;
}
