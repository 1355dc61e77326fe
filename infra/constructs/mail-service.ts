import { Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ServiceSizing, StageConfig } from '../config/stages';
import {
  HTTP_PORT,
  QUEUE_CONSUMER,
  mailPortsOf,
  type NodeRole,
  type SpoolQueueName,
} from '../config/topology';
import type { DataStack } from '../stacks/data-stack';
import {
  BLOB_PREFIX,
  DATABASE_NAME,
  SPOOL_PREFIX,
  blobBucketArn,
  blobBucketName,
  blobPrefixAcknowledgements,
} from '../stacks/data-stack';
import { APP_DATABASE_ROLE } from '../../core/db/app-role';
import { removalPolicyFor } from '../stacks/common';
import { mtaStsEnvironment, smarthostSettings } from './smarthost';

/** The node needs up to ~60 s to drain (finish SMTP transactions, IMAP `* BYE`); Fargate's maximum. */
export const STOP_TIMEOUT = Duration.seconds(120);
export const CONTAINER_NAME = 'node';
export const EFS_MOUNT_PATH = '/mnt/efs';
/** The task's only writable paths are its volumes; the node's files (node id, TLS, node.json) go here. */
export const TMP_MOUNT_PATH = '/tmp';
export const DATA_DIR = `${TMP_MOUNT_PATH}/nimbus`;
export const METRICS_NAMESPACE = 'Nimbus';

/** Concurrent sessions per task (per 1 vCPU) that target tracking aims for, per session metric. */
const SESSION_TARGETS: { role: NodeRole; metric: string; perVcpu: number }[] = [
  { role: 'mx', metric: 'SessionsSmtp', perVcpu: 150 },
  { role: 'submission', metric: 'SessionsSmtp', perVcpu: 150 },
  // IMAP sessions are mostly idle IDLE connections: memory, not CPU, is the limit.
  { role: 'imap', metric: 'SessionsImap', perVcpu: 1500 },
  { role: 'pop3', metric: 'SessionsPop3', perVcpu: 200 },
];

export interface MailServiceProps {
  readonly stage: StageConfig;
  readonly serviceName: string;
  readonly roles: readonly NodeRole[];
  readonly sizing: ServiceSizing;
  readonly cluster: ecs.ICluster;
  readonly image: ecs.ContainerImage;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly data: DataStack;
  readonly vpcCidr: string;
}

/**
 * One Fargate service of the mail node image with a role group: task definition (non-root,
 * read-only root file system, init process, 120 s stop timeout for the drain), the least IAM its
 * roles need, and autoscaling on CPU plus the role's own signal (sessions per task; spool backlog
 * for `delivery` and `mta`).
 */
export class MailService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly logGroup: logs.LogGroup;
  readonly scaling: ecs.ScalableTaskCount;
  readonly roles: readonly NodeRole[];

  constructor(scope: Construct, id: string, props: MailServiceProps) {
    super(scope, id);
    const { stage, data, sizing, roles } = props;
    this.roles = roles;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: stage.logRetentionDays,
      removalPolicy: removalPolicyFor(stage),
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: sizing.cpu,
      memoryLimitMiB: sizing.memoryMiB,
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture:
          stage.cpuArchitecture === 'arm64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      },
    });
    this.taskDefinition.addVolume({ name: 'tmp' });

    const ports = mailPortsOf(roles);
    const environment: Record<string, string> = {
      NIMBUS_STAGE: stage.name,
      NIMBUS_ROLES: roles.join(','),
      NIMBUS_HOST: '0.0.0.0',
      NIMBUS_HOSTNAME: stage.domain.mailHostname,
      NIMBUS_HTTP_PORT: String(HTTP_PORT),
      // The root file system is read-only: the default ./data cannot be created (ENOENT/EROFS).
      NIMBUS_DATA: DATA_DIR,
      // CloudWatch Embedded Metric Format on stdout; the awslogs driver delivers it (alarms, scaling).
      NIMBUS_METRICS: 'emf',
      DATABASE_URL: `postgres://${APP_DATABASE_ROLE}@${data.proxy.endpoint}:5432/${DATABASE_NAME}?sslmode=require`,
      // Named prepared statements would pin every connection to the proxy.
      NIMBUS_DB_PREPARED_STATEMENTS: 'false',
      NIMBUS_EVENTS: 'postgres',
      // IAM tokens for both connections (proxy and LISTEN): no password to rotate under a task.
      NIMBUS_DATABASE_IAM_AUTH: 'true',
      // A node that declares a peer dead tells the recovery function (EventBridge, default bus).
      NIMBUS_CLUSTER_EVENT_BUS: 'default',
      NIMBUS_EVENTS_DATABASE_URL: `postgres://${APP_DATABASE_ROLE}@${data.database.clusterEndpoint.hostname}:5432/${DATABASE_NAME}?sslmode=require`,
      NIMBUS_BLOBS:
        stage.blobStore === 'efs'
          ? `file://${EFS_MOUNT_PATH}`
          : `s3://${blobBucketName(stage)}/${BLOB_PREFIX}`,
      NIMBUS_SPOOL_BLOBS: `s3://${blobBucketName(stage)}/${SPOOL_PREFIX}`,
      // SSE-KMS with the bucket's key on every put (the bucket policy refuses any other encryption).
      NIMBUS_BLOBS_KMS_KEY_ID: data.key.keyArn,
      NIMBUS_SPOOL: `sqs://${data.spoolPrefix}`,
      NIMBUS_PROXY_PROTOCOL_TRUSTED: stage.proxyProtocol ? props.vpcCidr : '',
      NIMBUS_TLS_CERT_SECRET_ARN: data.tlsSecret.secretArn,
      LOG_FORMAT: 'json',
    };
    for (const port of ports) environment[port.envVar] = String(port.containerPort);
    // Outbound through the stage's smarthost (mta role) and the served MTA-STS mode (web role).
    const smarthost = smarthostSettings(this, stage, roles);
    Object.assign(environment, smarthost.environment, mtaStsEnvironment(stage, roles));

    const container = this.taskDefinition.addContainer(CONTAINER_NAME, {
      containerName: CONTAINER_NAME,
      image: props.image,
      essential: true,
      command: ['start'],
      environment,
      // Imported by ARN (without its key) so the grant lands on the execution role's policy, not on
      // the Data stack's key policy: a key-policy grant would make the Data stack depend on this one.
      secrets: {
        ...smarthost.secrets,
        // One key for the installation: DKIM keys sealed and SRS addresses minted by one task must
        // open on every other (a per-task key in the ephemeral data dir would not).
        NIMBUS_SECRET_KEY: ecs.Secret.fromSecretsManager(
          secretsmanager.Secret.fromSecretCompleteArn(
            this,
            'InstallationSecret',
            data.installationSecret.secretArn,
          ),
        ),
      },
      portMappings: [
        ...ports.map((port) => ({
          containerPort: port.containerPort,
          name: port.id,
          protocol: ecs.Protocol.TCP,
        })),
        { containerPort: HTTP_PORT, name: 'http', protocol: ecs.Protocol.TCP },
      ],
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${HTTP_PORT}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      stopTimeout: STOP_TIMEOUT,
      readonlyRootFilesystem: true,
      user: '1000:1000',
      linuxParameters: new ecs.LinuxParameters(this, 'Linux', { initProcessEnabled: true }),
      ulimits: [{ name: ecs.UlimitName.NOFILE, softLimit: 65535, hardLimit: 65535 }],
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: props.serviceName,
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
    });
    container.addMountPoints({ containerPath: TMP_MOUNT_PATH, sourceVolume: 'tmp', readOnly: false });
    this.taskDefinition
      .obtainExecutionRole()
      .addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'SecretKey', actions: ['kms:Decrypt'], resources: [data.key.keyArn] }),
      );

    this.grantDataAccess(props);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      // No desiredCount: CloudFormation would reset the autoscaled count to it on every deploy.
      // Application Auto Scaling raises a new service to minTasks at once (its minimum capacity).
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      assignPublicIp: false,
      securityGroups: [props.securityGroup],
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      healthCheckGracePeriod: ports.length > 0 || roles.includes('web') ? Duration.seconds(90) : undefined,
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableECSManagedTags: true,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
    });

    this.scaling = this.service.autoScaleTaskCount({
      minCapacity: sizing.minTasks,
      maxCapacity: sizing.maxTasks,
    });
    this.configureScaling(props);

    Validations.of(this.taskDefinition).acknowledge(
      ...blobPrefixAcknowledgements(stage, [BLOB_PREFIX, SPOOL_PREFIX]),
    );
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'Environment variables carry only non-secret configuration (roles, ports, endpoints, ARNs); secrets come from Secrets Manager through `secrets`, and the database takes IAM tokens (no password).',
    });
  }

  private grantDataAccess(props: MailServiceProps): void {
    const { data, roles, stage } = props;
    const role = this.taskDefinition.taskRole;
    // The bucket's ARN is built from its fixed name (pseudo-parameters only, no cross-stack token).
    const bucketArn = blobBucketArn(stage);

    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'BlobObjects',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [`${bucketArn}/${BLOB_PREFIX}/*`, `${bucketArn}/${SPOOL_PREFIX}/*`],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'BlobListing',
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${BLOB_PREFIX}/*`, `${SPOOL_PREFIX}/*`] } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DataKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [data.key.keyArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TlsCertificate',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [data.tlsSecret.secretArn],
      }),
    );

    // Every role may enqueue (accepting, submitting, forwarding, bouncing); consumers also receive.
    const queueArns = Object.values(data.queues).map((q) => q.queue.queueArn);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SpoolEnqueue',
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: queueArns,
      }),
    );
    const consumed = (Object.keys(QUEUE_CONSUMER) as SpoolQueueName[]).filter((queue) =>
      roles.includes(QUEUE_CONSUMER[queue]),
    );
    if (consumed.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'SpoolConsume',
          actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
          resources: consumed.map((queue) => data.queues[queue].queue.queueArn),
        }),
      );
    }

    // Cluster events (e.g. "peer heartbeat missing") for the recovery function.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ClusterEvents',
        actions: ['events:PutEvents'],
        resources: [
          Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' }),
        ],
      }),
    );
    // IAM database authentication as the application role: through the proxy (queries) and to the
    // cluster endpoint (the LISTEN connection).
    data.proxy.grantConnect(role, APP_DATABASE_ROLE);
    data.database.grantConnect(role, APP_DATABASE_ROLE);

    if (stage.blobStore === 'efs' && data.fileSystem && data.accessPoint) {
      this.taskDefinition.addVolume({
        name: 'blobs',
        efsVolumeConfiguration: {
          fileSystemId: data.fileSystem.fileSystemId,
          transitEncryption: 'ENABLED',
          authorizationConfig: { accessPointId: data.accessPoint.accessPointId, iam: 'ENABLED' },
        },
      });
      this.taskDefinition.defaultContainer?.addMountPoints({
        containerPath: EFS_MOUNT_PATH,
        sourceVolume: 'blobs',
        readOnly: false,
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'FileSystem',
          actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          resources: [data.fileSystem.fileSystemArn],
          conditions: {
            StringEquals: { 'elasticfilesystem:AccessPointArn': data.accessPoint.accessPointArn },
          },
        }),
      );
    }
  }

  private configureScaling(props: MailServiceProps): void {
    const { stage, roles, data, sizing } = props;
    const vcpu = sizing.cpu / 1024;
    const queueOnly = roles.every((role) => role === 'mta');

    // CPU: the universal signal. For a pure queue consumer (mta) CPU says little — it waits on remote
    // SMTP servers — so it may only scale out; the backlog policy below scales it back in.
    this.scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
      disableScaleIn: queueOnly,
    });

    // Sessions per task: the nodes emit a per-task gauge, so the Average across tasks is the load
    // per task.
    const seen = new Set<string>();
    for (const target of SESSION_TARGETS) {
      if (!roles.includes(target.role) || seen.has(`${target.metric}/${target.role}`)) continue;
      seen.add(`${target.metric}/${target.role}`);
      this.scaling.scaleToTrackCustomMetric(`${target.metric}${target.role}`, {
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: target.metric,
          dimensionsMap: { Stage: stage.name, Role: target.role },
          statistic: cloudwatch.Stats.AVERAGE,
          period: Duration.minutes(1),
        }),
        targetValue: Math.max(1, Math.round(target.perVcpu * vcpu)),
        scaleInCooldown: Duration.minutes(10),
        scaleOutCooldown: Duration.minutes(2),
      });
    }

    // Spool backlog: visible messages in the queue this service consumes.
    for (const queue of Object.keys(QUEUE_CONSUMER) as SpoolQueueName[]) {
      if (!roles.includes(QUEUE_CONSUMER[queue])) continue;
      const backlog = data.queues[queue].queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      });
      const steps: appscaling.ScalingInterval[] = queueOnly
        ? [
            { upper: 1, change: -1 },
            { lower: 200, change: +1 },
            { lower: 2000, change: +3 },
          ]
        : [
            { upper: 200, change: 0 },
            { lower: 200, change: +1 },
            { lower: 2000, change: +3 },
          ];
      this.scaling.scaleOnMetric(`${queue}Backlog`, {
        metric: backlog,
        scalingSteps: steps,
        adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
        cooldown: Duration.minutes(3),
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }
  }
}
