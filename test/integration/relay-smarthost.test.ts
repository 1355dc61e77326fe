import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { SMARTHOST_SECRET_ARN, outboundStage } from '../infra/fixtures/outbound-stage';
import { environmentOf, resourcesOf, synthStage } from '../infra/synth';
import { NodeProcess, nimbus } from '../helpers/node-process';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { SmtpSink } from '../helpers/smtp-sink';

/** All outbound mail through one smarthost with STARTTLS + AUTH (the usual path on AWS). */
let smarthost: SmtpSink;
let node: TestNode;

beforeAll(async () => {
  smarthost = await new SmtpSink({ auth: { user: 'relay-user', pass: 'relay-pass' } }).start();
  node = await startTestNode({
    roles: 'submission,delivery,mta',
    'relay.smarthost': {
      host: '127.0.0.1',
      port: smarthost.port,
      user: 'relay-user',
      password: 'relay-pass',
      tls: 'starttls',
    },
    'relay.retrySchedule': '1s',
    'relay.pollIntervalMs': 100,
  });
  await node.admin({ op: 'domain.add', name: 'nimbus.test' });
  await node.admin({ op: 'user.add', address: 'alice@nimbus.test', password: 'alice-secret' });
});

afterAll(async () => {
  await node?.destroy();
  await smarthost?.stop();
});

test('mail for any domain goes to the smarthost, over TLS, authenticated; no MX lookup', async () => {
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.submission,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'alice@nimbus.test', pass: 'alice-secret' },
  });
  await t.sendMail({
    from: 'alice@nimbus.test',
    to: ['x@unresolvable.test', 'y@elsewhere.test'],
    subject: 'via smarthost',
    text: 'hi',
  });
  t.close();
  await eventually(
    async () => smarthost.for('x@unresolvable.test').length + smarthost.for('y@elsewhere.test').length >= 2,
  );
  for (const message of smarthost.messages) {
    expect(message).toMatchObject({
      authenticatedAs: 'relay-user',
      secure: true,
      mailFrom: 'alice@nimbus.test',
    });
  }
});

/**
 * Deployment truth for the stage setting: the mta container of a synthesized stage whose smarthost
 * is this sink. A node started with exactly the NIMBUS_SMARTHOST* variables of that container
 * (the secrets resolved from their ValueFrom, as ECS does at task start) relays through the sink
 * with STARTTLS and AUTH.
 */
describe('smarthost from the stage config (infra/config/stages.ts → mta task definition)', () => {
  // Stands in for Secrets Manager: ECS resolves ValueFrom ARN:json-key:: against the secret's JSON.
  const secretValues: Record<string, string> = {
    [SMARTHOST_SECRET_ARN]: JSON.stringify({ username: 'stage-user', password: 'stage-pass' }),
  };
  const resolveValueFrom = (valueFrom: string) => {
    const arn = Object.keys(secretValues).find((a) => valueFrom.startsWith(`${a}:`))!;
    const [jsonKey] = valueFrom.slice(arn.length + 1).split(':');
    return (JSON.parse(secretValues[arn]) as Record<string, string>)[jsonKey];
  };
  let sink: SmtpSink;
  let proc: NodeProcess;
  let dataDir: string;
  let smarthostEnv: Record<string, string>;
  let ports: Record<string, number>;

  beforeAll(async () => {
    sink = await new SmtpSink({ auth: { user: 'stage-user', pass: 'stage-pass' } }).start();
    const s = synthStage(outboundStage({ host: '127.0.0.1', port: sink.port }));
    const mta = Object.values(resourcesOf(s.services, 'AWS::ECS::TaskDefinition')).find(
      (td) => environmentOf(td).NIMBUS_ROLES === 'mta',
    )!;
    const container = (
      mta.Properties!.ContainerDefinitions as {
        Environment: { Name: string; Value: string }[];
        Secrets: { Name: string; ValueFrom: string }[];
      }[]
    )[0];
    smarthostEnv = Object.fromEntries([
      ...container.Environment.filter((e) => e.Name.startsWith('NIMBUS_SMARTHOST')).map((e) => [
        e.Name,
        e.Value,
      ]),
      ...container.Secrets.filter((e) => e.Name.startsWith('NIMBUS_SMARTHOST')).map((e) => [
        e.Name,
        resolveValueFrom(e.ValueFrom),
      ]),
    ]);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-smarthost-'));
    proc = new NodeProcess(
      dataDir,
      ['--roles', 'submission,delivery,mta', '--submission-port', '0', '--http-port', '0'],
      {
        ...smarthostEnv,
        NIMBUS_SUBMISSIONS_PORT: '0',
        NIMBUS_RELAY_RETRY_SCHEDULE: '1s',
        NIMBUS_HOSTNAME: 'mta.stage.test',
      },
    );
    ports = await proc.start();
    expect(nimbus(['--data', dataDir, 'domain', 'add', 'stage.test']).status).toBe(0);
    const added = nimbus(['--data', dataDir, 'user', 'add', 'bob@stage.test', '--password-stdin'], {
      input: 'Quartz-Ferry-Lodge-31\n',
    });
    expect(added.stderr).toBe('');
  }, 180_000);

  afterAll(async () => {
    await proc?.kill('SIGTERM');
    await sink?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('the mta container carries host, port, TLS mode and credentials, nothing else', () => {
    expect(smarthostEnv).toEqual({
      NIMBUS_SMARTHOST: '127.0.0.1',
      NIMBUS_SMARTHOST_PORT: String(sink.port),
      NIMBUS_SMARTHOST_TLS: 'starttls',
      NIMBUS_SMARTHOST_USER: 'stage-user',
      NIMBUS_SMARTHOST_PASSWORD: 'stage-pass',
    });
  });

  test('a node started with exactly that environment relays through the smarthost with TLS and AUTH', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: ports.submission,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'bob@stage.test', pass: 'Quartz-Ferry-Lodge-31' },
    });
    await t.sendMail({ from: 'bob@stage.test', to: 'carol@remote.test', subject: 'stage', text: 'hi' });
    t.close();
    await eventually(async () => sink.for('carol@remote.test').length === 1);
    expect(sink.for('carol@remote.test')[0]).toMatchObject({
      authenticatedAs: 'stage-user',
      secure: true,
      mailFrom: 'bob@stage.test',
    });
  });
});
