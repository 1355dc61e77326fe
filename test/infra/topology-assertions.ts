/**
 * Assertions every topology must satisfy, parameterised by what the topology should deploy.
 * Each *.test.ts file synthesizes its stage once (beforeAll) and shares the templates.
 */
import { Match } from 'aws-cdk-lib/assertions';
import type { StageConfig } from '../../infra/config/stages';
import { MAIL_PORTS } from '../../infra/config/topology';
import { describeNagAndStateful } from './nag-assertions';
import { asArray, environmentOf, policyStatements, resourcesOf, synthStage, type Synthesized } from './synth';

export interface TopologyExpectation {
  /** Service name → roles (NIMBUS_ROLES) */
  readonly services: Record<string, string[]>;
  /** Service name → NLB listener ports it serves */
  readonly nlbPorts: Record<string, number[]>;
  readonly webService: string;
  readonly databaseInstances: number;
  readonly azCount: number;
}

const DATA_SERVICES = [
  's3',
  'sqs',
  'rds',
  'rds-data',
  'dynamodb',
  'kms',
  'secretsmanager',
  'elasticfilesystem',
  'backup',
];

export function describeTopology(stage: StageConfig, expected: TopologyExpectation): void {
  let s: Synthesized;
  beforeAll(() => {
    s = synthStage(stage);
  });
  describe(`${stage.name} cdk-nag and stateful resources`, () => {
    describeNagAndStateful(stage, () => s);
  });

  describe(`${stage.name} (${stage.cluster.topology}) services`, () => {
    it('runs one Fargate service per role group, all from the one image', () => {
      const services = resourcesOf(s.services, 'AWS::ECS::Service');
      expect(Object.keys(services)).toHaveLength(Object.keys(expected.services).length);
      const taskDefinitions = Object.values(resourcesOf(s.services, 'AWS::ECS::TaskDefinition'));
      const roles = taskDefinitions.map((td) => environmentOf(td).NIMBUS_ROLES).sort();
      expect(roles).toEqual(
        Object.values(expected.services)
          .map((r) => r.join(','))
          .sort(),
      );
      const images = new Set(
        taskDefinitions.map((td) =>
          JSON.stringify((td.Properties!.ContainerDefinitions as { Image: unknown }[])[0].Image),
        ),
      );
      expect(images.size).toBe(1);
    });

    it('drains on SIGTERM: 120 s stop timeout, init process, non-root, read-only root file system', () => {
      for (const td of Object.values(resourcesOf(s.services, 'AWS::ECS::TaskDefinition'))) {
        const [container] = td.Properties!.ContainerDefinitions as Record<string, unknown>[];
        expect(container.StopTimeout).toBe(120);
        expect(container.User).toBe('1000:1000');
        expect(container.ReadonlyRootFilesystem).toBe(true);
        expect(container.LinuxParameters).toMatchObject({ InitProcessEnabled: true });
        expect(container.HealthCheck).toMatchObject({
          Command: expect.arrayContaining([expect.stringContaining('/healthz')]),
        });
        // IAM database authentication: no database password reaches a task (issue #12 item 6).
        const secretNames = ((container.Secrets ?? []) as { Name: string }[]).map((x) => x.Name);
        expect(secretNames).not.toContain('DATABASE_PASSWORD');
        const env = environmentOf(td);
        expect(JSON.stringify(env.DATABASE_URL)).toMatch(/postgres:\/\/nimbus_app@/);
        expect(JSON.stringify(env.NIMBUS_EVENTS_DATABASE_URL)).toMatch(/postgres:\/\/nimbus_app@/);
        expect(env.NIMBUS_DATABASE_IAM_AUTH).toBe('true');
        expect(env.NIMBUS_CLUSTER_EVENT_BUS).toBe('default');
        expect(env.NIMBUS_HOST).toBe('0.0.0.0');
        expect(env.NIMBUS_HTTP_PORT).toBe('8080');
        expect(env.LOG_FORMAT).toBe('json');
        expect(env.NIMBUS_SPOOL).toBe(`sqs://nimbus-${stage.name}`);
        // Through RDS Proxy: no named prepared statements (they pin connections).
        expect(env.NIMBUS_DB_PREPARED_STATEMENTS).toBe('false');
        expect(JSON.stringify(env)).not.toMatch(/password=|PASSWORD":"[^"]/i);
      }
    });

    it('rolls deployments back on failure and keeps full capacity while deploying', () => {
      s.services.allResourcesProperties('AWS::ECS::Service', {
        LaunchType: 'FARGATE',
        DeploymentConfiguration: Match.objectLike({
          MinimumHealthyPercent: 100,
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        }),
        NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      });
    });

    it('scales every service on CPU and on a role-specific signal', () => {
      const targets = resourcesOf(s.services, 'AWS::ApplicationAutoScaling::ScalableTarget');
      expect(Object.keys(targets)).toHaveLength(Object.keys(expected.services).length);
      const policies = Object.values(resourcesOf(s.services, 'AWS::ApplicationAutoScaling::ScalingPolicy'));
      const cpu = policies.filter((p) =>
        JSON.stringify(p.Properties).includes('ECSServiceAverageCPUUtilization'),
      );
      expect(cpu).toHaveLength(Object.keys(expected.services).length);
      const sessionMetrics = policies.filter((p) =>
        JSON.stringify(p.Properties).includes('"Namespace":"Nimbus"'),
      );
      const queueSteps = policies.filter((p) => p.Properties!.PolicyType === 'StepScaling');
      // Session gauges for every session-serving role; a backlog step policy per spool consumer.
      const roles = Object.values(expected.services).flat();
      for (const [role, metric] of [
        ['mx', 'SessionsSmtp'],
        ['submission', 'SessionsSmtp'],
        ['imap', 'SessionsImap'],
        ['pop3', 'SessionsPop3'],
      ]) {
        if (!roles.includes(role)) continue;
        expect(
          sessionMetrics.some(
            (p) =>
              JSON.stringify(p.Properties).includes(`"MetricName":"${metric}"`) &&
              JSON.stringify(p.Properties).includes(`"Value":"${role}"`),
          ),
        ).toBe(true);
      }
      const scaleOut = queueSteps.filter((p) =>
        String(p.Properties!.PolicyName).includes('BacklogUpperPolicy'),
      );
      expect(scaleOut).toHaveLength(['delivery', 'mta'].filter((r) => roles.includes(r)).length);
    });
  });

  describe(`${stage.name} network load balancer`, () => {
    it('listens on 25, 465, 587, 143, 993, 110, 995, 4190 over TCP with idle timeouts for IMAP IDLE', () => {
      const listeners = Object.values(
        resourcesOf(s.services, 'AWS::ElasticLoadBalancingV2::Listener'),
      ).filter((l) => l.Properties!.Protocol === 'TCP');
      expect(listeners.map((l) => l.Properties!.Port).sort((a, b) => Number(a) - Number(b))).toEqual([
        25, 110, 143, 465, 587, 993, 995, 4190,
      ]);
      for (const listener of listeners) {
        const port = MAIL_PORTS.find((p) => p.listenerPort === listener.Properties!.Port)!;
        expect(listener.Properties!.ListenerAttributes).toEqual([
          { Key: 'tcp.idle_timeout.seconds', Value: String(port.idleTimeoutSeconds) },
        ]);
      }
      expect(MAIL_PORTS.filter((p) => p.role === 'imap').every((p) => p.idleTimeoutSeconds >= 1800)).toBe(
        true,
      );
    });

    it('is internet-facing with cross-zone load balancing', () => {
      s.services.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Type: 'network',
        Scheme: 'internet-facing',
        LoadBalancerAttributes: Match.arrayWith([
          { Key: 'load_balancing.cross_zone.enabled', Value: 'true' },
        ]),
      });
    });

    it('has one target group per service and port, preserving client IPs, checking /healthz/<listener> on 8080', () => {
      const groups = Object.values(
        resourcesOf(s.services, 'AWS::ElasticLoadBalancingV2::TargetGroup'),
      ).filter((g) => g.Properties!.Protocol === 'TCP');
      const expectedPorts = Object.values(expected.nlbPorts).flat();
      expect(groups).toHaveLength(expectedPorts.length);
      for (const group of groups) {
        const p = group.Properties!;
        expect(p).toMatchObject({
          TargetType: 'ip',
          HealthCheckProtocol: 'HTTP',
          HealthCheckPort: '8080',
          // The node's health plus a self-probe of that listener (containers/node/listener-probe.ts).
          HealthCheckPath: `/healthz/${MAIL_PORTS.find((port) => port.containerPort === p.Port)!.id}`,
          Matcher: { HttpCode: '200' },
        });
        const attributes = Object.fromEntries(
          (p.TargetGroupAttributes as { Key: string; Value: string }[]).map((a) => [a.Key, a.Value]),
        );
        expect(attributes).toMatchObject({
          'preserve_client_ip.enabled': 'true',
          'proxy_protocol_v2.enabled': String(stage.proxyProtocol),
          'deregistration_delay.timeout_seconds': '60',
          'deregistration_delay.connection_termination.enabled': 'false',
        });
      }
      const containerPorts = groups.map((g) => g.Properties!.Port).sort();
      const wanted = expectedPorts
        .map((port) => MAIL_PORTS.find((p) => p.listenerPort === port)!.containerPort)
        .sort();
      expect(containerPorts).toEqual(wanted);
    });

    it('attaches each service to the target groups of its own ports only', () => {
      const services = Object.values(resourcesOf(s.services, 'AWS::ECS::Service'));
      const byPorts = services.map((svc) =>
        ((svc.Properties!.LoadBalancers as { ContainerPort: number }[]) ?? [])
          .map((lb) => lb.ContainerPort)
          .sort(),
      );
      const wanted = Object.entries(expected.nlbPorts).map(([name, ports]) => {
        const container = ports.map((port) => MAIL_PORTS.find((p) => p.listenerPort === port)!.containerPort);
        if (name === expected.webService) container.push(8080);
        return container.sort();
      });
      expect(byPorts.sort()).toEqual(wanted.sort());
    });
  });

  describe(`${stage.name} web`, () => {
    it('routes HTTPS to the web role behind an ALB whose idle timeout outlasts an ActiveSync Ping', () => {
      s.services.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Type: 'application',
        LoadBalancerAttributes: Match.arrayWith([
          { Key: 'idle_timeout.timeout_seconds', Value: '3600' },
          { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        ]),
      });
      s.services.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: stage.certificates.webCertificateArn }],
      });
      s.services.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        DefaultActions: [Match.objectLike({ Type: 'redirect' })],
      });
      s.services.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Protocol: 'HTTP',
        Port: 8080,
        HealthCheckPath: '/healthz',
        TargetType: 'ip',
      });
    });
  });

  describe(`${stage.name} network`, () => {
    it(`spans ${expected.azCount} AZs with public, task and isolated subnets, endpoints and flow logs`, () => {
      const subnets = Object.values(resourcesOf(s.network, 'AWS::EC2::Subnet'));
      expect(subnets).toHaveLength(expected.azCount * 3);
      expect(new Set(subnets.map((sn) => sn.Properties!.AvailabilityZone)).size).toBe(expected.azCount);
      s.network.resourceCountIs('AWS::EC2::NatGateway', stage.natGateways);
      s.network.resourceCountIs('AWS::EC2::FlowLog', 1);
      const endpoints = Object.values(resourcesOf(s.network, 'AWS::EC2::VPCEndpoint')).map((e) =>
        JSON.stringify(e.Properties!.ServiceName),
      );
      for (const service of ['.s3', '.sqs', '.secretsmanager', '.logs', '.ecr.api', '.ecr.dkr']) {
        expect(endpoints.some((name) => name.includes(service))).toBe(true);
      }
    });
  });

  describe(`${stage.name} data`, () => {
    it('runs Aurora PostgreSQL Serverless v2 with the Data API, encryption and the right instance count across AZs', () => {
      s.data.hasResourceProperties('AWS::RDS::DBCluster', {
        Engine: 'aurora-postgresql',
        EnableHttpEndpoint: true,
        StorageEncrypted: true,
        KmsKeyId: Match.anyValue(),
        DeletionProtection: stage.deletionProtection,
        ServerlessV2ScalingConfiguration: {
          MinCapacity: stage.database.minCapacity,
          MaxCapacity: stage.database.maxCapacity,
        },
      });
      const instances = Object.values(resourcesOf(s.data, 'AWS::RDS::DBInstance'));
      expect(instances).toHaveLength(expected.databaseInstances);
      expect(new Set(instances.map((i) => i.Properties!.AvailabilityZone)).size).toBe(
        expected.databaseInstances,
      );
      expect(instances.every((i) => i.Properties!.DBInstanceClass === 'db.serverless')).toBe(true);
    });

    it('fronts the database with a TLS-only RDS Proxy and rotates its credentials', () => {
      s.data.hasResourceProperties('AWS::RDS::DBProxy', { EngineFamily: 'POSTGRESQL', RequireTLS: true });
      // End-to-end IAM: clients and the proxy itself log in with IAM tokens, no secret in the proxy.
      const [proxy] = Object.values(resourcesOf(s.data, 'AWS::RDS::DBProxy'));
      expect(proxy.Properties!.DefaultAuthScheme).toBe('IAM_AUTH');
      expect(proxy.Properties!.Auth ?? []).toEqual([]);
      const connect = policyStatements(s.data).filter((st) => asArray(st.Action).includes('rds-db:connect'));
      expect(JSON.stringify(connect)).toContain('/nimbus_app');
      s.data.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
    });

    it('runs schema migrations at deploy time through a trigger over the Data API', () => {
      s.data.resourceCountIs('Custom::Trigger', 1);
      const fns = Object.values(resourcesOf(s.data, 'AWS::Lambda::Function')).filter((f) =>
        JSON.stringify(f.Properties!.Environment ?? {}).includes('DATABASE_CLUSTER_ARN'),
      );
      expect(fns).toHaveLength(1);
      expect(fns[0].Properties!.VpcConfig).toBeUndefined();
      const dataApi = policyStatements(s.data).filter((st) =>
        asArray(st.Action).some((a) => a.startsWith('rds-data:')),
      );
      expect(dataApi.length).toBeGreaterThan(0);
    });

    it('keeps blobs in a versioned, KMS-encrypted, TLS-only, private bucket with a spool lifecycle', () => {
      s.data.hasResourceProperties('AWS::S3::Bucket', {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
            }),
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Prefix: 'spool/',
              ExpirationInDays: stage.spoolBlobExpiryDays,
              Status: 'Enabled',
            }),
          ]),
        },
      });
      for (const policy of Object.values(resourcesOf(s.data, 'AWS::S3::BucketPolicy'))) {
        expect(JSON.stringify(policy.Properties)).toContain('"aws:SecureTransport":"false"');
      }
    });

    it('spools through encrypted SQS queues, each redriving to its own dead-letter queue', () => {
      const queues = resourcesOf(s.data, 'AWS::SQS::Queue');
      expect(Object.keys(queues)).toHaveLength(4);
      for (const name of ['inbound', 'outbound']) {
        const [mainId, main] = Object.entries(queues).find(
          ([, q]) => q.Properties!.QueueName === `nimbus-${stage.name}-${name}`,
        )!;
        const [dlqId] = Object.entries(queues).find(
          ([, q]) => q.Properties!.QueueName === `nimbus-${stage.name}-${name}-dlq`,
        )!;
        expect(main.Properties!.RedrivePolicy).toMatchObject({
          deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          maxReceiveCount: expect.any(Number),
        });
        expect(mainId).toBeDefined();
      }
      for (const queue of Object.values(queues)) {
        expect(queue.Properties!.KmsMasterKeyId).toBeDefined();
        expect(queue.Properties!.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      }
      for (const policy of Object.values(resourcesOf(s.data, 'AWS::SQS::QueuePolicy'))) {
        expect(JSON.stringify(policy.Properties)).toContain('"aws:SecureTransport":"false"');
      }
    });

    it('backs up Aurora (and EFS when used) with AWS Backup into an encrypted vault', () => {
      s.data.hasResourceProperties('AWS::Backup::BackupVault', { EncryptionKeyArn: Match.anyValue() });
      s.data.hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: {
          BackupPlanRule: Match.arrayWith([
            Match.objectLike({
              RuleName: 'daily',
              Lifecycle: { DeleteAfterDays: stage.backup.dailyRetentionDays },
            }),
          ]),
        },
      });
      const selection = JSON.stringify(
        Object.values(resourcesOf(s.data, 'AWS::Backup::BackupSelection'))[0].Properties,
      );
      expect(selection).toContain(':rds:');
      expect(selection.includes(':elasticfilesystem:')).toBe(stage.blobStore === 'efs');
      s.data.resourceCountIs('AWS::EFS::FileSystem', stage.blobStore === 'efs' ? 1 : 0);
    });

    it('encrypts every store: secrets, file system, topic, recovery history', () => {
      for (const secret of Object.values(resourcesOf(s.data, 'AWS::SecretsManager::Secret'))) {
        expect(secret.Properties!.KmsKeyId).toBeDefined();
      }
      for (const fs of Object.values(resourcesOf(s.data, 'AWS::EFS::FileSystem'))) {
        expect(fs.Properties).toMatchObject({ Encrypted: true, KmsKeyId: expect.anything() });
      }
      s.monitoring.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
      s.monitoring.hasResourceProperties('AWS::DynamoDB::Table', {
        SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      });
      for (const bucket of Object.values(resourcesOf(s.data, 'AWS::S3::Bucket'))) {
        expect(bucket.Properties!.BucketEncryption).toBeDefined();
      }
    });
  });

  describe(`${stage.name} operations`, () => {
    it('sends every alarm to the humans’ topic and every alarm state change to the recovery function', () => {
      const alarms = Object.values(resourcesOf(s.monitoring, 'AWS::CloudWatch::Alarm'));
      expect(alarms.length).toBeGreaterThan(10);
      const topicRef = { Ref: Object.keys(resourcesOf(s.monitoring, 'AWS::SNS::Topic'))[0] };
      for (const alarm of alarms) {
        expect(alarm.Properties!.AlarmName).toMatch(new RegExp(`^nimbus-${stage.name}-`));
        expect(alarm.Properties!.AlarmActions).toContainEqual(topicRef);
        expect(JSON.stringify(alarm.Properties!.AlarmDescription)).toContain('nimbus-signal: ');
      }
      const recovery = Object.entries(resourcesOf(s.monitoring, 'AWS::Lambda::Function')).find(([, f]) =>
        JSON.stringify(f.Properties!.Environment ?? {}).includes('RECOVERY_CONFIG'),
      )!;
      // What the nodes publish (core/adapters/aws/eventbridge-heartbeat.ts) reaches the function.
      s.monitoring.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['nimbus.cluster'],
          'detail-type': ['Node Heartbeat Missing'],
          detail: { stage: [stage.name] },
        },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [recovery[0], 'Arn'] } })],
      });
      s.monitoring.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          detail: { alarmName: [{ prefix: `nimbus-${stage.name}-` }] },
        },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [recovery[0], 'Arn'] } })],
      });
    });

    it('alarms on unhealthy targets of every target group, queue age and dead letters of every queue', () => {
      const descriptions = Object.values(resourcesOf(s.monitoring, 'AWS::CloudWatch::Alarm')).map((a) =>
        JSON.stringify(a.Properties!.AlarmDescription),
      );
      const count = (kind: string) =>
        descriptions.filter((d) => d.includes(`\\"kind\\":\\"${kind}\\"`)).length;
      expect(count('target-unhealthy')).toBe(Object.values(expected.nlbPorts).flat().length + 1);
      expect(count('queue-age-high')).toBe(2);
      expect(count('dlq-not-empty')).toBe(2);
      expect(count('error-rate-spike')).toBeGreaterThanOrEqual(3);
      expect(count('no-healthy-targets')).toBe(
        Object.values(expected.nlbPorts).filter((ports) => ports.length > 0).length,
      );
      expect(count('database')).toBe(3);
    });

    it('gives the recovery function only the permissions its actions need', () => {
      const statements = policyStatements(s.monitoring);
      const actions = new Set(statements.flatMap((st) => asArray(st.Action)));
      for (const needed of [
        'ecs:StopTask',
        'ecs:UpdateService',
        'application-autoscaling:RegisterScalableTarget',
        'sqs:StartMessageMoveTask',
        'sns:Publish',
      ]) {
        expect(actions).toContain(needed);
      }
      for (const forbidden of [
        'ecs:*',
        'ecs:DeleteService',
        'ecs:RunTask',
        'iam:PassRole',
        'sqs:PurgeQueue',
        'sqs:DeleteQueue',
      ]) {
        expect(actions).not.toContain(forbidden);
      }
      const wildcardResource = statements.filter((st) => asArray(st.Resource as string).includes('*'));
      expect(wildcardResource.flatMap((st) => asArray(st.Action)).sort()).toEqual([
        'application-autoscaling:DescribeScalableTargets',
        'application-autoscaling:RegisterScalableTarget',
        'ecs:ListTasks',
        'elasticloadbalancing:DescribeTargetHealth',
      ]);
      // Scalable targets have generated ids: the wildcard is limited to ECS desired counts.
      const scaling = statements.find((st) =>
        asArray(st.Action).includes('application-autoscaling:RegisterScalableTarget'),
      )!;
      expect((scaling as { Condition?: unknown }).Condition).toEqual({
        StringEquals: {
          'application-autoscaling:service-namespace': 'ecs',
          'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
        },
      });
    });

    it('has a dashboard with sessions, message rates, queues, dead letters, targets, Aurora and Lambda errors', () => {
      const body = JSON.stringify(
        Object.values(resourcesOf(s.monitoring, 'AWS::CloudWatch::Dashboard'))[0].Properties!.DashboardBody,
      );
      for (const text of [
        'SessionsImap',
        'SessionsPop3',
        'SessionsSmtp',
        'MessagesAccepted',
        'MessagesDelivered',
        'MessagesDeferred',
        'MessagesBounced',
        'ApproximateAgeOfOldestMessage',
        'ApproximateNumberOfMessagesVisible',
        'UnHealthyHostCount',
        'ACUUtilization',
        'Errors',
      ]) {
        expect(body).toContain(text);
      }
    });

    it(`keeps logs ${stage.logRetentionDays} days`, () => {
      for (const template of [s.network, s.data, s.services, s.monitoring]) {
        for (const group of Object.values(resourcesOf(template, 'AWS::Logs::LogGroup'))) {
          expect(group.Properties!.RetentionInDays).toBe(stage.logRetentionDays);
        }
      }
    });

    it('runs every Lambda function on Node.js 22', () => {
      for (const template of [s.data, s.services, s.monitoring]) {
        for (const fn of Object.values(resourcesOf(template, 'AWS::Lambda::Function'))) {
          if (fn.Properties!.Runtime && String(fn.Properties!.Runtime).startsWith('nodejs')) {
            const isOurs = JSON.stringify(fn.Properties!.Environment ?? {}).includes('NODE_OPTIONS');
            if (isOurs) expect(fn.Properties!.Runtime).toBe('nodejs22.x');
          }
        }
      }
    });
  });

  describe(`${stage.name} IAM least privilege`, () => {
    it('never grants `*` actions, nor service-wide wildcards on data services', () => {
      for (const template of [s.network, s.data, s.services, s.monitoring]) {
        for (const statement of policyStatements(template)) {
          if (statement.Effect !== 'Allow') continue;
          for (const action of asArray(statement.Action)) {
            expect(action).not.toBe('*');
            const [service, name] = action.split(':');
            if (DATA_SERVICES.includes(service)) expect(name).not.toBe('*');
          }
        }
      }
    });

    it('grants tasks data access on named resources only', () => {
      for (const role of Object.values(resourcesOf(s.services, 'AWS::IAM::Policy'))) {
        for (const statement of (
          role.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }
        ).Statement) {
          const actions = asArray(statement.Action);
          if (actions.some((a) => DATA_SERVICES.includes(a.split(':')[0]))) {
            expect(asArray(statement.Resource as string)).not.toContain('*');
          }
        }
      }
    });
  });
}

export { DATA_SERVICES };
