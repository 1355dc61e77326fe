/**
 * Alarm data test (issue #12): every metric that an alarm or a scaling policy of a stage's
 * templates reads (namespace, metric name, exact dimensions) is emitted. Metrics in the Nimbus
 * namespace must appear in the EMF documents (stdout, which the awslogs driver ships) of the
 * stage's tasks booted as the template runs them (test/helpers/task-boot.ts) and driven through
 * SMTP, submission, IMAP, POP3 and an outbound deferral and bounce. Metrics in AWS/* namespaces
 * are published by AWS itself (SQS, RDS, ELB, ECS, Lambda …): they are listed, not emitted here.
 *
 * Test-only settings on top of the template's: NIMBUS_METRICS_INTERVAL_SECONDS=2 (the tasks
 * flush EMF every 2 s instead of every 60 s) and NIMBUS_RESOLVER_OVERRIDES (remote.test's MX is
 * a local SMTP peer; no lookup leaves the machine).
 */
import net from 'node:net';
import { STAGES, type StageName } from '../../infra/config/stages';
import { encodeProxyV2 } from '../../containers/net/proxy-protocol';
import { Directory } from '../../core/directory/directory';
import { PgDatabase } from '../../core/adapters/postgres/pg-database';
import { eventually } from '../helpers/eventually';
import { SMTP_REPLY, smtpSend, Wire } from '../helpers/mail-wire';
import { startMoto, type Moto } from '../helpers/moto';
import {
  bootTask,
  buildAppDir,
  mailGroups,
  synthStageTemplates,
  StageWorld,
  type BootedTask,
  type StageTemplates,
} from '../helpers/task-boot';
import { resolveValue, type CfnTemplate, type ResolveContext } from '../helpers/task-definition';

jest.setTimeout(600_000);

const USER = 'casey@alarm.test';
const PASSWORD = 'Brisk-Orchard-Velvet-2718';
const CLIENT = { address: '198.51.100.20', port: 41000 };

interface MetricRef {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** Which alarm or scaling policy reads it. */
  usedBy: string;
}

/** Every metric an alarm (any stack: the step-scaling alarms live in the service stack) or a target-tracking policy reads. */
function metricsUsed(assembly: StageTemplates, ctx: ResolveContext): MetricRef[] {
  const out: MetricRef[] = [];
  // AWS/* dimensions name resources (load balancers, queues …) the test has no stand-in for: kept as written.
  const value = (v: unknown, stack: string) => {
    try {
      return resolveValue(v, stack, ctx);
    } catch {
      return JSON.stringify(v);
    }
  };
  const dims = (list: unknown, stack: string) =>
    Object.fromEntries(
      ((list ?? []) as { Name: string; Value: unknown }[]).map((d) => [d.Name, value(d.Value, stack)]),
    );
  for (const [stack, template] of Object.entries(assembly.templates) as [string, CfnTemplate][]) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      const p = resource.Properties ?? {};
      if (resource.Type === 'AWS::CloudWatch::Alarm') {
        if (p.MetricName) {
          out.push({
            namespace: String(p.Namespace),
            name: String(p.MetricName),
            dimensions: dims(p.Dimensions, stack),
            usedBy: id,
          });
        }
        for (const query of (p.Metrics ?? []) as { MetricStat?: { Metric: Record<string, unknown> } }[]) {
          const metric = query.MetricStat?.Metric;
          if (metric)
            out.push({
              namespace: String(metric.Namespace),
              name: String(metric.MetricName),
              dimensions: dims(metric.Dimensions, stack),
              usedBy: id,
            });
        }
      }
      if (resource.Type === 'AWS::ApplicationAutoScaling::ScalingPolicy') {
        const tracking = p.TargetTrackingScalingPolicyConfiguration as
          Record<string, Record<string, unknown>> | undefined;
        const custom = tracking?.CustomizedMetricSpecification;
        if (custom)
          out.push({
            namespace: String(custom.Namespace),
            name: String(custom.MetricName),
            dimensions: dims(custom.Dimensions, stack),
            usedBy: id,
          });
      }
    }
  }
  return out;
}

interface Emitted {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  value: number;
}

/** The metrics in a task's EMF documents (the _aws envelope: namespace, dimension keys, metric names). */
function emitted(task: BootedTask): Emitted[] {
  const out: Emitted[] = [];
  for (const doc of task.jsonLines()) {
    const aws = doc._aws as
      | { CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }
      | undefined;
    for (const directive of aws?.CloudWatchMetrics ?? []) {
      for (const keys of directive.Dimensions) {
        const dimensions = Object.fromEntries(keys.map((k) => [k, String(doc[k])]));
        for (const metric of directive.Metrics)
          out.push({
            namespace: directive.Namespace,
            name: metric.Name,
            dimensions,
            value: Number(doc[metric.Name]),
          });
      }
    }
  }
  return out;
}

const same = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

let moto: Moto;
let app: ReturnType<typeof buildAppDir>;
let peer: { port: number; close: () => Promise<void> };

beforeAll(async () => {
  moto = await startMoto({ setEnv: false });
  app = buildAppDir();
  peer = await startRemotePeer();
}, 300_000);

afterAll(async () => {
  await peer?.close();
  await moto?.stop();
  app?.remove();
});

describe.each((Object.keys(STAGES) as StageName[]).map((name, i) => [name, i] as const))(
  'stage %s',
  (name, index) => {
    let world: StageWorld;
    let used: MetricRef[];
    const tasks: BootedTask[] = [];

    beforeAll(async () => {
      const assembly = synthStageTemplates(STAGES[name]);
      world = await StageWorld.create(assembly, moto);
      used = metricsUsed(assembly, world.ctx);
      const env = {
        NIMBUS_METRICS_INTERVAL_SECONDS: '2',
        NIMBUS_RESOLVER_OVERRIDES: `remote.test=127.0.0.1:${peer.port}`,
      };
      const containers = world.containers();
      const started = await Promise.allSettled(
        containers.map(async (container, i) => {
          const task = await bootTask(world, container, {
            appDir: app.appDir,
            address: `127.0.${20 + index}.${i + 1}`,
            extraEnv: env,
          });
          tasks.push(task);
          await task.ready();
        }),
      );
      for (const result of started) if (result.status === 'rejected') throw result.reason;
      const db = new PgDatabase({ connectionString: world.masterDatabaseUrl() });
      const directory = new Directory(db);
      await directory.addDomain('alarm.test');
      await directory.addAccount(USER, PASSWORD);
      await db.close();
    }, 400_000);

    afterAll(async () => {
      await Promise.all(tasks.map((task) => task.stop('SIGTERM')));
      await world?.destroy();
    }, 200_000);

    test('the templates read Nimbus metrics (alarms and session scaling) and AWS metrics', () => {
      const nimbus = used.filter((m) => m.namespace === 'Nimbus');
      const alarmed = ['MessagesBounced', 'MessagesDeferred', 'AuthFailures'];
      if (STAGES[name].deletionProtection) alarmed.push('MessagesAccepted'); // no-mail-accepted
      expect(nimbus.map((m) => m.name)).toEqual(
        expect.arrayContaining(['SessionsSmtp', 'SessionsImap', 'SessionsPop3', ...alarmed]),
      );
      // Listed for the record: AWS publishes these for the stage's resources.
      const aws = [
        ...new Set(used.filter((m) => m.namespace.startsWith('AWS/')).map((m) => `${m.namespace} ${m.name}`)),
      ].sort();
      expect(aws).toEqual(expect.arrayContaining(['AWS/SQS ApproximateAgeOfOldestMessage']));
      expect(used.every((m) => m.namespace === 'Nimbus' || m.namespace.startsWith('AWS/'))).toBe(true);
    });

    test('traffic through every protocol, then every Nimbus metric an alarm or policy reads is in the tasks’ EMF output', async () => {
      const byGroup = (protocol: 'smtp' | 'imap' | 'pop3', id: string) =>
        tasks.flatMap((task) =>
          mailGroups(task, protocol)
            .filter((g) => g.id === id)
            .map((group) => ({ task, group })),
        );
      const open = (target: { task: BootedTask; group: { port: number } }, implicitTls = false) =>
        Wire.open({
          host: target.task.address,
          port: target.group.port,
          proxyHeader: encodeProxyV2(CLIENT),
          implicitTls,
        });

      // Accepted by mx; an outbound deferral and a bounce through submission (the mta role relays them).
      const [mx] = byGroup('smtp', 'smtp');
      await smtpSend(await open(mx), { from: 'someone@sender.test', to: USER, subject: `accepted-${name}` });
      const [submission] = byGroup('smtp', 'submissions');
      for (const to of ['defer@remote.test', 'bounce@remote.test'])
        await smtpSend(await open(submission, true), {
          from: USER,
          to,
          subject: `out-${to}`,
          auth: { user: USER, password: PASSWORD },
        });
      // An authentication failure on submission.
      const failing = await open(submission, true);
      await failing.read(SMTP_REPLY);
      await failing.command('EHLO [198.51.100.20]', SMTP_REPLY);
      const refused = await failing.command(
        `AUTH PLAIN ${Buffer.from(`\0${USER}\0wrong-password`).toString('base64')}`,
        SMTP_REPLY,
      );
      expect(refused).toMatch(/^535 /m);
      failing.close();

      // Sessions held open on every session-scaled listener while the tasks flush.
      const held = [
        await open(mx),
        await open(byGroup('smtp', 'submission')[0]),
        await open(byGroup('imap', 'imap')[0]),
        await open(byGroup('pop3', 'pop3')[0]),
      ];
      const nimbus = used.filter((m) => m.namespace === 'Nimbus');
      const missing = () =>
        nimbus.filter(
          (m) =>
            !tasks.some((task) =>
              emitted(task).some(
                (e) => e.namespace === m.namespace && e.name === m.name && same(e.dimensions, m.dimensions),
              ),
            ),
        );
      await eventually(async () => missing().length === 0, 60_000, 500).catch(() => undefined);
      expect(missing().map((m) => `${m.name} ${JSON.stringify(m.dimensions)} (${m.usedBy})`)).toEqual([]);

      // And the traffic shows: non-zero values with the alarms' and policies' own dimensions.
      const value = (metric: string, role: string) =>
        Math.max(
          0,
          ...tasks.flatMap((task) =>
            emitted(task)
              .filter((e) => e.name === metric && e.dimensions.Role === role && e.dimensions.Stage === name)
              .map((e) => e.value),
          ),
        );
      await eventually(
        async () =>
          value('MessagesAccepted', 'mx') >= 1 &&
          value('AuthFailures', 'submission') >= 1 &&
          value('SessionsSmtp', 'mx') >= 1 &&
          value('SessionsSmtp', 'submission') >= 1 &&
          value('SessionsImap', 'imap') >= 1 &&
          value('SessionsPop3', 'pop3') >= 1 &&
          value('MessagesDeferred', 'mta') >= 1 &&
          value('MessagesBounced', 'mta') >= 1,
        90_000,
        500,
      ).catch(() => undefined);
      for (const [metric, role] of [
        ['MessagesAccepted', 'mx'],
        ['AuthFailures', 'submission'],
        ['SessionsSmtp', 'mx'],
        ['SessionsSmtp', 'submission'],
        ['SessionsImap', 'imap'],
        ['SessionsPop3', 'pop3'],
        ['MessagesDeferred', 'mta'],
        ['MessagesBounced', 'mta'],
      ])
        expect({ metric, role, value: value(metric, role) >= 1 }).toEqual({ metric, role, value: true });
      held.forEach((wire) => wire.close());
    });
  },
);

/** remote.test's MX: 451 for defer@, 550 for bounce@ (the relay's deferral and bounce). */
async function startRemotePeer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setEncoding('latin1');
    let buffer = '';
    let data = false;
    socket.write('220 remote.test ESMTP\r\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i).replace(/\r$/, '');
        buffer = buffer.slice(i + 1);
        if (data) {
          if (line === '.') {
            data = false;
            socket.write('250 queued\r\n');
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 remote.test\r\n');
        else if (verb === 'MAIL') socket.write('250 ok\r\n');
        else if (verb === 'RCPT')
          socket.write(
            /defer@/i.test(line)
              ? '451 4.7.1 try later\r\n'
              : /bounce@/i.test(line)
                ? '550 5.1.1 no such user\r\n'
                : '250 ok\r\n',
          );
        else if (verb === 'DATA') {
          data = true;
          socket.write('354 go\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
