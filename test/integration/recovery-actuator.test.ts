/**
 * The recovery function's actuator (functions/recovery/aws-actions.ts) and handler against moto,
 * on resources shaped like the synthesized prod template (advanced topology): the ECS cluster
 * `nimbus-prod` with one service per role group and running tasks, IP target groups, Application
 * Auto Scaling targets with the template's min/max, the spool queues and DLQs, the alarm topic
 * and the history table with the template's key schema. Every action runs its real SDK calls;
 * the assertions read the state back with describe calls. Also: the node's "Node Heartbeat
 * Missing" event (core/adapters/aws/eventbridge-heartbeat.ts, published by a real ClusterMember)
 * matches the template's rule pattern in moto's EventBridge.
 *
 * Two things moto cannot do, done by an interposer in front of moto (see `startInterposer`) and
 * said so where used: it reports every registered target healthy (no health checks run), so the
 * interposer marks chosen targets unhealthy in DescribeTargetHealth answers; and moto 5.2.1 has
 * no SQS StartMessageMoveTask, so the interposer records that request and answers it itself.
 */
import http from 'node:http';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  UpdateTimeToLiveCommand,
  type KeySchemaElement,
  type AttributeDefinition,
} from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Template } from 'aws-cdk-lib/assertions';
import pino from 'pino';
import { EventBridgeHeartbeat } from '../../core/adapters/aws/eventbridge-heartbeat';
import { PgliteDatabase } from '../../core/adapters/pglite/pglite-database';
import { SqlSpool } from '../../core/adapters/sql/sql-spool';
import { ClusterRegistry } from '../../core/cluster/registry';
import { runMigrations } from '../../core/db/migrate';
import type { ActionRecord } from '../../core/recovery/types';
import { ClusterMember } from '../../containers/cluster/cluster-member';
import { createAwsActuator } from '../../functions/recovery/aws-actions';
import { eventToSignals, type RecoveryEvent } from '../../functions/recovery/events';
import type { RecoveryActuator, RecoveryConfig } from '../../functions/recovery/ports';
import { formatSignalTag } from '../../functions/recovery/signal-tag';
import { STAGES } from '../../infra/config/stages';
import { QUEUE_CONSUMER, servicesOf } from '../../infra/config/topology';
import { eventually } from '../helpers/eventually';
import { startMoto, type Moto } from '../helpers/moto';
import { resourcesOf, synthStage } from '../infra/synth';

const stage = STAGES.prod;
const CLUSTER = `nimbus-${stage.name}`;
const REGION = 'us-east-1';

let moto: Moto;
let interposer: Interposer;
let template: { monitoring: Template; services: Template };
let config: RecoveryConfig;
let actuator: RecoveryActuator;
let topicArn: string;
let pagesUrl: string;
let tableName: string;
let subnetId: string;
let vpcId: string;
const ecsNames: Record<string, string> = {};
const tasksOf: Record<string, { arn: string; id: string; ip: string }[]> = {};
const queueUrls: Record<string, string> = {};
let targetGroupArn: string;

const clients = () => ({
  ecs: new ECSClient({}),
  elb: new ElasticLoadBalancingV2Client({}),
  aas: new ApplicationAutoScalingClient({}),
  sqs: new SQSClient({}),
  sns: new SNSClient({}),
  ddb: new DynamoDBClient({}),
  events: new EventBridgeClient({}),
});
let c: ReturnType<typeof clients>;

/** Moto's state, read back. */
async function scalableTarget(ecsName: string) {
  const out = await c.aas.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: 'ecs',
      ResourceIds: [`service/${CLUSTER}/${ecsName}`],
    }),
  );
  return out.ScalableTargets![0];
}
async function service(ecsName: string) {
  return (await c.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [ecsName] })))
    .services![0];
}
async function taskStatus(taskArn: string) {
  return (await c.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }))).tasks![0];
}
async function receiveAll(queueUrl: string): Promise<string[]> {
  const out = await c.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return (out.Messages ?? []).map((m) => m.Body ?? '');
}
async function pages(): Promise<{ Subject?: string; Message?: string }[]> {
  return (await receiveAll(pagesUrl)).map((b) => JSON.parse(b) as { Subject?: string; Message?: string });
}

beforeAll(async () => {
  // Services report their tasks running, so their deployment is complete (not "in progress").
  process.env.MOTO_ECS_SERVICE_RUNNING = '10';
  moto = await startMoto();
  interposer = await startInterposer(moto.endpoint);
  // ELBv2 and SQS go through the interposer (it forwards everything else to moto unchanged).
  process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = interposer.endpoint;
  process.env.AWS_ENDPOINT_URL_SQS = interposer.endpoint;
  process.env.AWS_REGION = REGION;
  c = clients();

  const synthesized = synthStage(stage);
  template = { monitoring: synthesized.monitoring, services: synthesized.services };

  // Network for awsvpc tasks and IP target groups.
  // moto's default VPC and subnets (no EC2 client is installed: one Query call does).
  const subnets = await ec2Query(moto.endpoint, 'DescribeSubnets');
  subnetId = subnets.match(/<subnetId>([^<]+)<\/subnetId>/)![1];
  vpcId = subnets.match(/<vpcId>([^<]+)<\/vpcId>/)![1];
  const securityGroup = (await ec2Query(moto.endpoint, 'DescribeSecurityGroups')).match(
    /<groupId>([^<]+)<\/groupId>/,
  )![1];

  // ECS: the template's cluster name and services, each with its minimum of running tasks, and
  // its Application Auto Scaling target with the template's bounds.
  await c.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  const sizing = stage.cluster.services as Record<string, { minTasks: number; maxTasks: number }>;
  const targets = Object.values(
    resourcesOf(template.services, 'AWS::ApplicationAutoScaling::ScalableTarget'),
  );
  for (const { name, roles } of servicesOf(stage.cluster.topology)) {
    const ecsName = `${CLUSTER}-${name}`;
    ecsNames[name] = ecsName;
    const { minTasks, maxTasks } = sizing[name];
    expect(targets).toContainEqual(
      expect.objectContaining({
        Properties: expect.objectContaining({
          MinCapacity: minTasks,
          MaxCapacity: maxTasks,
          ScalableDimension: 'ecs:service:DesiredCount',
        }),
      }),
    );
    const td = await c.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: ecsName,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '1024',
        memory: '2048',
        containerDefinitions: [{ name: 'node', image: 'nimbus', essential: true, memory: 2048, cpu: 1024 }],
      }),
    );
    const network = {
      awsvpcConfiguration: {
        subnets: [subnetId],
        securityGroups: [securityGroup],
        assignPublicIp: 'DISABLED' as const,
      },
    };
    await c.ecs.send(
      new CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: ecsName,
        taskDefinition: td.taskDefinition!.taskDefinitionArn,
        desiredCount: minTasks,
        launchType: 'FARGATE',
        networkConfiguration: network,
      }),
    );
    // Tasks as ECS starts them for a service: group `service:<name>`.
    const run = await c.ecs.send(
      new RunTaskCommand({
        cluster: CLUSTER,
        taskDefinition: td.taskDefinition!.taskDefinitionArn,
        count: minTasks,
        launchType: 'FARGATE',
        group: `service:${ecsName}`,
        startedBy: 'ecs-svc/1',
        networkConfiguration: network,
      }),
    );
    tasksOf[name] = run.tasks!.map((t) => ({
      arn: t.taskArn!,
      id: t.taskArn!.split('/').pop()!,
      ip: t.attachments![0].details!.find((d) => d.name === 'privateIPv4Address')!.value!,
    }));
    await c.aas.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceId: `service/${CLUSTER}/${ecsName}`,
        MinCapacity: minTasks,
        MaxCapacity: maxTasks,
      }),
    );
    expect(roles.length).toBeGreaterThan(0);
  }

  // One IP target group (access/imap), the access tasks registered in it.
  targetGroupArn = (
    await c.elb.send(
      new CreateTargetGroupCommand({
        Name: 'access-imap',
        Protocol: 'TCP',
        Port: 1143,
        VpcId: vpcId,
        TargetType: 'ip',
      }),
    )
  ).TargetGroups![0].TargetGroupArn!;
  await c.elb.send(
    new RegisterTargetsCommand({
      TargetGroupArn: targetGroupArn,
      Targets: tasksOf.access.map((t) => ({ Id: t.ip, Port: 1143 })),
    }),
  );

  // Spool queues and DLQs with the data stack's names.
  const queues: Record<string, RecoveryConfig['queues'][string]> = {};
  for (const name of Object.keys(QUEUE_CONSUMER)) {
    const dlq = await c.sqs.send(new CreateQueueCommand({ QueueName: `${CLUSTER}-${name}-dlq` }));
    const dlqArn = await queueArn(dlq.QueueUrl!);
    const queue = await c.sqs.send(
      new CreateQueueCommand({
        QueueName: `${CLUSTER}-${name}`,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }) },
      }),
    );
    queueUrls[name] = queue.QueueUrl!;
    queues[name] = { queueArn: await queueArn(queue.QueueUrl!), deadLetterQueueArn: dlqArn };
  }

  // The humans' topic, with a queue subscribed so that the test reads the pages.
  topicArn = (await c.sns.send(new CreateTopicCommand({ Name: `${CLUSTER}-alarms` }))).TopicArn!;
  pagesUrl = (await c.sqs.send(new CreateQueueCommand({ QueueName: 'pages' }))).QueueUrl!;
  await c.sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: await queueArn(pagesUrl),
    }),
  );

  // The history table, keys and TTL as in the monitoring template.
  const [table] = Object.values(resourcesOf(template.monitoring, 'AWS::DynamoDB::Table'));
  const props = table.Properties as {
    KeySchema: KeySchemaElement[];
    AttributeDefinitions: AttributeDefinition[];
    TimeToLiveSpecification: { AttributeName: string; Enabled: boolean };
  };
  tableName = `${CLUSTER}-recovery-history`;
  await c.ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: props.KeySchema,
      AttributeDefinitions: props.AttributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await c.ddb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: props.TimeToLiveSpecification,
    }),
  );

  config = {
    stage: stage.name,
    clusterName: CLUSTER,
    services: servicesOf(stage.cluster.topology).map(({ name, roles }) => ({
      name,
      ecsServiceName: ecsNames[name],
      roles,
      minCount: sizing[name].minTasks,
      maxCount: sizing[name].maxTasks,
    })),
    queues,
    queueConsumers: QUEUE_CONSUMER,
  };
  actuator = createAwsActuator({ clusterName: CLUSTER, topicArn, tableName });
}, 180_000);

afterAll(async () => {
  await interposer?.close();
  await moto?.stop();
});

async function queueArn(url: string): Promise<string> {
  const attrs = await c.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return attrs.Attributes!.QueueArn!;
}

describe('every action of aws-actions.ts against moto', () => {
  it('describes services: desired and running counts', async () => {
    const runtime = await actuator.describeServices(Object.values(ecsNames));
    for (const [name, ecsName] of Object.entries(ecsNames)) {
      const min = (stage.cluster.services as Record<string, { minTasks: number }>)[name].minTasks;
      expect(runtime[ecsName]).toMatchObject({ desired: min });
      expect(typeof runtime[ecsName].deploying).toBe('boolean');
    }
  });

  it('raises and restores the scalable target minimum, never the desired count', async () => {
    const mta = ecsNames.mta;
    const before = await scalableTarget(mta);
    const desired = (await service(mta)).desiredCount;
    await actuator.setMinimumCapacity(mta, before.MinCapacity! + 2);
    const raised = await scalableTarget(mta);
    expect(raised.MinCapacity).toBe(before.MinCapacity! + 2);
    expect(raised.MaxCapacity).toBe(before.MaxCapacity); // unchanged
    expect((await service(mta)).desiredCount).toBe(desired); // left to the autoscaler
    await actuator.setMinimumCapacity(mta, before.MinCapacity!);
    expect((await scalableTarget(mta)).MinCapacity).toBe(before.MinCapacity);
  });

  it('redeploys a service (a new deployment) without touching its desired count', async () => {
    const web = ecsNames.web;
    const before = await service(web);
    await actuator.redeployService(web);
    const after = await service(web);
    expect(after.deployments![0].id).not.toBe(before.deployments![0].id);
    expect(after.desiredCount).toBe(before.desiredCount);
  });

  it('finds the tasks behind unhealthy targets, only of the named service', async () => {
    // moto runs no health checks: the interposer marks one target unhealthy (see the header).
    const sick = tasksOf.access[0];
    interposer.unhealthyTargets.add(sick.ip);
    try {
      expect(await actuator.unhealthyTasks(targetGroupArn, ecsNames.access)).toEqual([sick.id]);
      // The same target group asked for another service: its tasks are not those IPs.
      expect(await actuator.unhealthyTasks(targetGroupArn, ecsNames.mx)).toEqual([]);
    } finally {
      interposer.unhealthyTargets.clear();
    }
    expect(await actuator.unhealthyTasks(targetGroupArn, ecsNames.access)).toEqual([]);
  });

  it('stops a task with the reason', async () => {
    const victim = tasksOf.mx[tasksOf.mx.length - 1];
    await actuator.stopTask(victim.id, 'nimbus recovery: test');
    const task = await taskStatus(victim.arn);
    expect(task.lastStatus).toBe('STOPPED');
    expect(task.stoppedReason).toBe('nimbus recovery: test');
  });

  it('starts a dead-letter move from the DLQ to its queue', async () => {
    // moto 5.2.1 has no StartMessageMoveTask: the interposer records the SDK's request.
    const { deadLetterQueueArn, queueArn: source } = config.queues.inbound;
    await actuator.redrive(deadLetterQueueArn, source);
    expect(interposer.moveTasks).toContainEqual({ SourceArn: deadLetterQueueArn, DestinationArn: source });
  });

  it('publishes a page to the alarm topic', async () => {
    await actuator.publish('[nimbus-prod] INFO: test page', 'body of the page');
    const received = await eventually(async () => {
      const got = await pages();
      return got.length > 0 ? got : null;
    });
    expect(received).toContainEqual(
      expect.objectContaining({ Subject: '[nimbus-prod] INFO: test page', Message: 'body of the page' }),
    );
  });

  it('records signals and claims actions once per cooldown in the history table', async () => {
    const at = Date.now();
    await actuator.recordSignals([
      { kind: 'alarm', state: 'firing', at, source: 'nimbus-prod-database-cpu' },
    ]);
    const record: ActionRecord = {
      key: 'page-human:test',
      at,
      action: { kind: 'page-human', severity: 'info', subject: 's', message: 'm', dedupeKey: 'test' },
    };
    expect(await actuator.claim(record, at + 60_000)).toBe(true);
    expect(await actuator.claim({ ...record, at: at + 1000 }, at + 61_000)).toBe(false); // held
    expect(await actuator.claim({ ...record, at: at + 120_000 }, at + 180_000)).toBe(true); // expired
    const history = await actuator.loadHistory(at - 1000);
    expect(history.signals.map((s) => s.source)).toContain('nimbus-prod-database-cpu');
    expect(history.actions.filter((a) => a.key === 'page-human:test')).toHaveLength(2);
    const items = await c.ddb.send(new ScanCommand({ TableName: tableName }));
    expect(items.Items!.every((item) => item.expiresAt?.N !== undefined)).toBe(true);
  });
});

describe('the recovery handler end to end on alarm events', () => {
  let handler: (event: RecoveryEvent) => Promise<{ performed: readonly { description: string }[] }>;

  beforeAll(async () => {
    process.env.RECOVERY_CONFIG = JSON.stringify(config);
    process.env.ALARM_TOPIC_ARN = topicArn;
    process.env.HISTORY_TABLE_NAME = tableName;
    // Loaded after its environment is set: the handler reads it at module load, as in Lambda.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ({ handler } = require('../../functions/recovery/handler') as { handler: typeof handler });
  });

  /** An alarm of the monitoring template, as EventBridge delivers its state change. */
  function alarmEvent(alarmName: string, state: 'ALARM' | 'OK', description?: string): RecoveryEvent {
    const alarm = Object.values(resourcesOf(template.monitoring, 'AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties!.AlarmName === alarmName,
    );
    expect(alarm).toBeDefined();
    const fromTemplate = alarm!.Properties!.AlarmDescription;
    return {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      time: new Date().toISOString(),
      detail: {
        alarmName,
        state: {
          value: state,
          timestamp: new Date().toISOString(),
          reason: 'Threshold Crossed: 3 datapoints [2400.0 (01/06/25 11:59:00)]',
        },
        // Descriptions with cross-stack tokens (target group ARNs) are rebuilt with moto's ARN.
        configuration: { description: description ?? (fromTemplate as string) },
      },
    };
  }

  it('scales the outbound consumer out through its scalable target, and back when the alarm clears', async () => {
    const name = `${CLUSTER}-outbound-queue-age`;
    const before = await scalableTarget(ecsNames.mta);
    const desired = (await service(ecsNames.mta)).desiredCount!;
    const out = await handler(alarmEvent(name, 'ALARM'));
    expect(out.performed.map((p) => p.description)).toContainEqual(expect.stringContaining('scale-out mta'));
    expect((await scalableTarget(ecsNames.mta)).MinCapacity).toBe(Math.min(before.MaxCapacity!, desired + 2));

    await handler(alarmEvent(name, 'OK'));
    expect((await scalableTarget(ecsNames.mta)).MinCapacity).toBe(before.MinCapacity);
  });

  it('replaces the task behind an unhealthy target', async () => {
    const sick = tasksOf.access[1];
    interposer.unhealthyTargets.add(sick.ip); // moto runs no health checks (see the header)
    try {
      const description = formatSignalTag('access: a target fails /healthz', {
        kind: 'target-unhealthy',
        service: 'access',
        targetGroupArn,
      });
      await handler(alarmEvent(`${CLUSTER}-access-imap-unhealthy`, 'ALARM', description));
    } finally {
      interposer.unhealthyTargets.clear();
    }
    const task = await taskStatus(sick.arn);
    expect(task.lastStatus).toBe('STOPPED');
    expect(task.stoppedReason).toContain('target unhealthy');
  });

  it('redeploys a service with no healthy target once and pages', async () => {
    await pages(); // drain earlier pages
    const before = await service(ecsNames.mx);
    const event = alarmEvent(`${CLUSTER}-mx-no-healthy-targets`, 'ALARM');
    expect(before.deployments![0].rolloutState).toBe('COMPLETED');
    const first = await handler(event);
    expect(first.performed.map((p) => p.description)).toContain('redeploy mx');
    const redeployed = await service(ecsNames.mx);
    expect(redeployed.deployments![0].id).not.toBe(before.deployments![0].id);
    expect(redeployed.desiredCount).toBe(before.desiredCount);
    const page = await eventually(async () => (await pages()).find((p) => p.Subject?.includes('no healthy')));
    expect(page.Subject).toContain('[nimbus-prod] CRITICAL: mx: no healthy target');

    const second = await handler(event); // delivered again while still down
    expect(second.performed.map((p) => p.description)).not.toContain('redeploy mx');
    expect((await service(ecsNames.mx)).deployments![0].id).toBe(redeployed.deployments![0].id);
  });
});

describe('the node heartbeat event and the template rule', () => {
  let eventsUrl: string;

  beforeAll(async () => {
    // The rule exactly as synthesized, with a queue instead of the Lambda function as its target.
    const rule = Object.values(resourcesOf(template.monitoring, 'AWS::Events::Rule')).find((r) =>
      JSON.stringify(r.Properties!.EventPattern ?? {}).includes('nimbus.cluster'),
    )!;
    eventsUrl = (await c.sqs.send(new CreateQueueCommand({ QueueName: 'cluster-events' }))).QueueUrl!;
    await c.events.send(
      new PutRuleCommand({
        Name: 'cluster-events',
        EventPattern: JSON.stringify(rule.Properties!.EventPattern),
      }),
    );
    await c.events.send(
      new PutTargetsCommand({
        Rule: 'cluster-events',
        Targets: [{ Id: 'q', Arn: await queueArn(eventsUrl) }],
      }),
    );
  });

  it('a ClusterMember that declares a silent peer dead publishes an event the rule matches', async () => {
    const db = await PgliteDatabase.open('memory://');
    await runMigrations(db);
    // The silent peer: registered with its task ARN, then never heartbeating again.
    const ghost = tasksOf.mta[0];
    await new ClusterRegistry(db).register({
      id: 'mta-ghost',
      roles: ['mta'],
      host: '10.0.1.9',
      ports: {},
      version: 'test',
      heartbeatSeconds: 1,
      taskArn: ghost.arn,
    });
    const metadata = await startTaskMetadata('arn:aws:ecs:us-east-1:123456789012:task/nimbus-prod/reporter');
    const member = await ClusterMember.start({
      db,
      spool: new SqlSpool(db),
      registration: { id: 'reporter', roles: ['mx'], host: '10.0.1.10', ports: {}, heartbeatSeconds: 1 },
      sessions: () => ({}),
      onDrain: async () => undefined,
      onUndrain: () => undefined,
      events: { eventBus: 'default', stage: stage.name, metadataUri: metadata.url },
      log: pino({ level: 'silent' }),
    });
    try {
      const bodies = await eventually(async () => {
        const got = await receiveAll(eventsUrl);
        return got.length > 0 ? got : null;
      }, 60_000);
      const event = JSON.parse(bodies[0]) as RecoveryEvent;
      expect(event).toMatchObject({
        source: 'nimbus.cluster',
        'detail-type': 'Node Heartbeat Missing',
        detail: { stage: stage.name, nodeId: 'mta-ghost', taskArn: ghost.arn, reportedBy: 'reporter' },
      });
      expect(eventToSignals(event, Date.now())).toEqual([
        expect.objectContaining({
          kind: 'heartbeat-missing',
          nodeId: 'mta-ghost',
          taskId: ghost.id,
          role: 'mta',
        }),
      ]);
      // The reporter registered its own task ARN from the metadata endpoint.
      expect((await new ClusterRegistry(db).get('reporter'))?.taskArn).toBe(
        'arn:aws:ecs:us-east-1:123456789012:task/nimbus-prod/reporter',
      );
    } finally {
      await member.stop();
      await metadata.close();
      await db.close();
    }
  }, 90_000);

  it('the rule ignores another stage’s events', async () => {
    const other = new EventBridgeHeartbeat({ eventBus: 'default', stage: 'dev', nodeId: 'x' });
    await other.peerMissing({ id: 'n', roles: ['imap'], taskArn: null, heartbeatAt: new Date() });
    other.destroy();
    expect(await receiveAll(eventsUrl)).toEqual([]);
  });
});

/** A stand-in for the ECS task metadata endpoint v4 (only runs inside a Fargate task). */
async function startTaskMetadata(taskArn: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/task') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ TaskARN: taskArn, Cluster: CLUSTER }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

interface Interposer {
  endpoint: string;
  /** Target IPs that DescribeTargetHealth answers report `unhealthy`. */
  unhealthyTargets: Set<string>;
  /** StartMessageMoveTask requests received. */
  moveTasks: { SourceArn?: string; DestinationArn?: string }[];
  close(): Promise<void>;
}

/**
 * Forwards every request to moto unchanged, except for the two things moto cannot do (see the
 * header): DescribeTargetHealth answers get the chosen targets' state set to `unhealthy`, and SQS
 * StartMessageMoveTask is recorded and answered with a task handle.
 */
async function startInterposer(upstream: string): Promise<Interposer> {
  const state: Interposer = {
    endpoint: '',
    unhealthyTargets: new Set(),
    moveTasks: [],
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target.endsWith('.StartMessageMoveTask')) {
        state.moveTasks.push(JSON.parse(body.toString('utf8')) as Interposer['moveTasks'][number]);
        res.setHeader('content-type', 'application/x-amz-json-1.0');
        res.end(JSON.stringify({ TaskHandle: 'moved-by-interposer' }));
        return;
      }
      const headers = { ...req.headers, host: new URL(upstream).host };
      delete headers['content-length'];
      void fetch(`${upstream}${req.url}`, {
        method: req.method,
        headers: headers as unknown as Record<string, string>,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      })
        .then(async (response) => {
          let text = Buffer.from(await response.arrayBuffer());
          if (body.toString('utf8').includes('Action=DescribeTargetHealth')) {
            text = Buffer.from(markUnhealthy(text.toString('utf8'), state.unhealthyTargets));
          }
          res.statusCode = response.status;
          response.headers.forEach((value, key) => {
            if (!['content-length', 'content-encoding', 'transfer-encoding'].includes(key))
              res.setHeader(key, value);
          });
          res.end(text);
        })
        .catch(() => {
          res.statusCode = 502;
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  state.endpoint = `http://127.0.0.1:${port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

function markUnhealthy(xml: string, ips: ReadonlySet<string>): string {
  return xml.replace(/<member>([\s\S]*?)<\/member>/g, (member: string, inner: string) => {
    const id = inner.match(/<Id>([^<]+)<\/Id>/)?.[1];
    return id && ips.has(id) ? member.replace(/<State>[^<]*<\/State>/, '<State>unhealthy</State>') : member;
  });
}

/** One EC2 Query API call to moto (the SDK's EC2 client is not a dependency of this project). */
async function ec2Query(endpoint: string, action: string): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto picks the service from the credential scope of the authorization header.
      authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${REGION}/ec2/aws4_request, SignedHeaders=host, Signature=x`,
    },
    body: `Action=${action}&Version=2016-11-15`,
  });
  return response.text();
}
