import * as path from 'node:path';
import {
  type Acknowledgment,
  Aws,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as triggers from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import type { SpoolQueueName } from '../config/topology';
import { NodeFunction } from '../constructs/node-function';
import { namePrefix, removalPolicyFor } from './common';
import { POSTGRES, type ClusterSecurityGroups } from './network-stack';

export interface DataStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly vpc: ec2.IVpc;
  readonly securityGroups: ClusterSecurityGroups;
  readonly availabilityZones: readonly string[];
  readonly repoRoot: string;
}

export interface SpoolQueue {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

/** Blob bucket name: fixed, so that other stacks and IAM policies name it without cross-stack tokens. */
export function blobBucketName(stage: StageConfig): string {
  return `${namePrefix(stage)}-blobs-${Aws.ACCOUNT_ID}-${stage.region}`;
}

/** ARN of the blob bucket, from its fixed name (pseudo-parameters only: no cross-stack token). */
export function blobBucketArn(stage: StageConfig): string {
  return `arn:${Aws.PARTITION}:s3:::${blobBucketName(stage)}`;
}

/**
 * cdk-nag acknowledgements for object-level access under the blob and spool prefixes (the keys
 * are content hashes and queue ids created at run time, so the resource must end in `/*`).
 */
export function blobPrefixAcknowledgements(
  stage: StageConfig,
  prefixes: readonly string[],
): Acknowledgment[] {
  const rendered = blobBucketName(stage).replace(Aws.ACCOUNT_ID, '<AWS::AccountId>');
  return prefixes.map((prefix) => ({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${rendered}/${prefix}/*]`,
    reason: `Message blobs are content-addressed keys created at run time; access is limited to the ${prefix}/ prefix of the stage's bucket.`,
  }));
}

/** Database name inside the Aurora cluster. */
export const DATABASE_NAME = 'nimbus';
/** Key prefixes in the blob bucket: immutable message blobs, and transient spool payloads. */
export const BLOB_PREFIX = 'blobs';
export const SPOOL_PREFIX = 'spool';

/**
 * Queue settings. Visibility: a delivery job is short (the node extends visibility while it works);
 * an outbound job may hold a slow remote SMTP session. Receives: the `mta` role defers with
 * ChangeMessageVisibility (SQS caps it at 12 h), and every retry is a receive, so `outbound` allows
 * 30 receives — enough for the default 5-day backoff schedule — before a message is dead-lettered.
 */
const SPOOL_QUEUES: Record<SpoolQueueName, { visibility: Duration; maxReceiveCount: number }> = {
  inbound: { visibility: Duration.minutes(5), maxReceiveCount: 8 },
  outbound: { visibility: Duration.minutes(15), maxReceiveCount: 30 },
};

/**
 * Everything stateful: the encryption key, Aurora (with its proxy, rotation and schema
 * migrations), the blob bucket, the spool queues, the TLS certificate secret, the optional EFS
 * file system and the AWS Backup plan. Construct ids here are part of the deployed contract:
 * renaming one replaces (and may delete) data. test/infra/stateful-ids.test.ts pins them.
 */
export class DataStack extends Stack {
  readonly key: kms.Key;
  readonly blobBucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly queues: Record<SpoolQueueName, SpoolQueue>;
  readonly database: rds.DatabaseCluster;
  readonly databaseSecret: secretsmanager.ISecret;
  readonly proxy: rds.DatabaseProxy;
  readonly tlsSecret: secretsmanager.Secret;
  readonly fileSystem?: efs.FileSystem;
  readonly accessPoint?: efs.AccessPoint;
  readonly spoolPrefix: string;
  readonly migrateFunction: NodeFunction;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { stage, vpc, securityGroups } = props;
    const retain = removalPolicyFor(stage);
    const dataSgs = this.createSecurityGroups(vpc, securityGroups, stage);
    const prefix = namePrefix(stage);
    this.spoolPrefix = prefix;

    this.key = new kms.Key(this, 'DataKey', {
      alias: `alias/${prefix}-data`,
      description: `Nimbus ${stage.name}: database, blobs, spool queues, secrets, file system, backups`,
      enableKeyRotation: true,
      removalPolicy: retain,
    });

    // --- Buckets -------------------------------------------------------------------------------
    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED, // the only encryption S3/ELB log delivery supports
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [
        { id: 'expire-logs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(7) },
      ],
      removalPolicy: retain,
      autoDeleteObjects: retain === RemovalPolicy.DESTROY,
    });
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log destination bucket; logging it into itself would loop.',
    });

    this.blobBucket = new s3.Bucket(this, 'Blobs', {
      bucketName: blobBucketName(stage),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/blobs/',
      lifecycleRules: [
        {
          // Spool payloads are claim-check bodies of queued mail; the longest a message stays
          // queued is the relay lifetime (5 days by default), so this only removes leftovers.
          id: 'spool-expiry',
          prefix: `${SPOOL_PREFIX}/`,
          expiration: Duration.days(stage.spoolBlobExpiryDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: 'blobs-tiering',
          prefix: `${BLOB_PREFIX}/`,
          transitions: [
            { storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) },
          ],
          // Deleted or overwritten blobs stay recoverable for the backup window.
          noncurrentVersionExpiration: Duration.days(stage.backup.dailyRetentionDays),
        },
        {
          id: 'housekeeping',
          abortIncompleteMultipartUploadAfter: Duration.days(2),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: retain,
      autoDeleteObjects: retain === RemovalPolicy.DESTROY,
    });

    // --- Spool queues ------------------------------------------------------------------------
    const queues = {} as Record<SpoolQueueName, SpoolQueue>;
    for (const [name, settings] of Object.entries(SPOOL_QUEUES) as [
      SpoolQueueName,
      (typeof SPOOL_QUEUES)['inbound'],
    ][]) {
      const title = name.charAt(0).toUpperCase() + name.slice(1);
      const deadLetterQueue = new sqs.Queue(this, `${title}Dlq`, {
        queueName: `${prefix}-${name}-dlq`,
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: this.key,
        enforceSSL: true,
        removalPolicy: retain,
      });
      const queue = new sqs.Queue(this, `${title}Queue`, {
        queueName: `${prefix}-${name}`,
        visibilityTimeout: settings.visibility,
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: this.key,
        dataKeyReuse: Duration.minutes(15),
        enforceSSL: true,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
        removalPolicy: retain,
      });
      queues[name] = { queue, deadLetterQueue };
    }
    this.queues = queues;

    // --- Secrets -----------------------------------------------------------------------------
    this.tlsSecret = new secretsmanager.Secret(this, 'TlsCertificate', {
      secretName: `${prefix}/tls-certificate`,
      description: `PEM certificate chain and key for ${stage.domain.mailHostname} (JSON {"cert","key"}); see docs/deploy.md`,
      encryptionKey: this.key,
      removalPolicy: retain,
    });
    Validations.of(this.tlsSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A TLS key pair is renewed by the certificate authority (ACME job or manual renewal writes a new version, docs/deploy.md), not by a Secrets Manager rotation function.',
    });

    // --- Aurora PostgreSQL Serverless v2 -------------------------------------------------------
    const azs = props.availabilityZones.slice(0, stage.azCount);
    const parameterGroup = new rds.ParameterGroup(this, 'DatabaseParameters', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_9 }),
      description: 'Nimbus: TLS required, slow statements logged',
      parameters: { 'rds.force_ssl': '1', log_min_duration_statement: '1000' },
    });
    // Created here (not by RDS on first export) so that retention is set without a LogRetention function.
    const databaseLogs = new logs.LogGroup(this, 'DatabaseLogs', {
      logGroupName: `/aws/rds/cluster/${prefix}-db/postgresql`,
      retention: stage.logRetentionDays,
      removalPolicy: retain,
    });
    this.database = new rds.DatabaseCluster(this, 'Database', {
      clusterIdentifier: `${prefix}-db`,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_9 }),
      parameterGroup,
      credentials: rds.Credentials.fromGeneratedSecret('nimbus_admin', {
        secretName: `${prefix}/database-admin`,
        encryptionKey: this.key,
      }),
      defaultDatabaseName: DATABASE_NAME,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [dataSgs.database],
      writer: rds.ClusterInstance.serverlessV2('Writer', {
        availabilityZone: azs[0],
        enablePerformanceInsights: true,
        performanceInsightEncryptionKey: this.key,
        publiclyAccessible: false,
      }),
      readers: Array.from({ length: stage.database.readers }, (_, index) =>
        rds.ClusterInstance.serverlessV2(`Reader${index + 1}`, {
          availabilityZone: azs[(index + 1) % azs.length],
          scaleWithWriter: true, // promotion tier 1: a failover target sized like the writer
          enablePerformanceInsights: true,
          performanceInsightEncryptionKey: this.key,
          publiclyAccessible: false,
        }),
      ),
      serverlessV2MinCapacity: stage.database.minCapacity,
      serverlessV2MaxCapacity: stage.database.maxCapacity,
      enableDataApi: true,
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      iamAuthentication: true,
      deletionProtection: stage.deletionProtection,
      removalPolicy: stage.deletionProtection ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      backup: {
        retention: Duration.days(stage.database.backupRetentionDays),
        preferredWindow: '02:00-03:00',
      },
      preferredMaintenanceWindow: 'sun:04:00-sun:05:00',
      cloudwatchLogsExports: ['postgresql'],
      monitoringInterval: Duration.seconds(60),
      copyTagsToSnapshot: true,
    });
    this.database.node.addDependency(databaseLogs);
    this.databaseSecret = this.database.secret!;
    this.database.addRotationSingleUser({
      automaticallyAfter: Duration.days(30),
      securityGroup: dataSgs.rotation,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    });
    Validations.of(this.database).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
        reason:
          'The enhanced-monitoring role is assumed only by monitoring.rds.amazonaws.com; its AWS policy only writes to the RDSOSMetrics log group.',
      },
      {
        id: 'CloudFormation-Validate::W3010',
        reason:
          'Instance AZs are deliberate: the writer and each reader are placed in different AZs from the fixed list in cdk.json, so a reader is always a cross-AZ failover target.',
      },
    );
    Validations.of(this.database).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'The database is reachable only from the task, proxy and rotation security groups in isolated subnets; a non-default port adds nothing and breaks tooling defaults.',
    });
    if (!stage.deletionProtection) {
      Validations.of(this.database).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: `Stage ${stage.name} is a throw-away stage; staging and prod enable deletion protection (infra/config/stages.ts).`,
      });
    }

    // Tasks use the proxy for pooled queries (failover-aware, bounded connections); LISTEN/NOTIFY
    // needs a session that the proxy would pin, so nodes also hold one direct connection.
    this.proxy = this.database.addProxy('Proxy', {
      secrets: [this.databaseSecret],
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [dataSgs.proxy],
      requireTLS: true,
      idleClientTimeout: Duration.minutes(30),
      maxConnectionsPercent: 90,
    });

    // --- Optional EFS message store ----------------------------------------------------------
    if (stage.blobStore === 'efs') {
      this.fileSystem = new efs.FileSystem(this, 'FileSystem', {
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroup: dataSgs.fileSystem,
        encrypted: true,
        kmsKey: this.key,
        performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
        throughputMode: efs.ThroughputMode.ELASTIC,
        lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
        enableAutomaticBackups: false, // the AWS Backup plan below covers it
        allowAnonymousAccess: false,
        removalPolicy: retain,
      });
      this.accessPoint = this.fileSystem.addAccessPoint('NodeAccessPoint', {
        path: '/nimbus',
        posixUser: { uid: '1000', gid: '1000' }, // the image's non-root `node` user
        createAcl: { ownerUid: '1000', ownerGid: '1000', permissions: '750' },
      });
    }

    // --- AWS Backup ----------------------------------------------------------------------------
    const vault = new backup.BackupVault(this, 'BackupVault', {
      backupVaultName: `${prefix}-vault`,
      encryptionKey: this.key,
      removalPolicy: retain,
    });
    const rules = [
      new backup.BackupPlanRule({
        ruleName: 'daily',
        scheduleExpression: events.Schedule.cron({ hour: '3', minute: '0' }),
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(4),
        deleteAfter: Duration.days(stage.backup.dailyRetentionDays),
      }),
    ];
    if (stage.backup.monthlyRetentionDays > 0) {
      rules.push(
        new backup.BackupPlanRule({
          ruleName: 'monthly',
          scheduleExpression: events.Schedule.cron({ day: '1', hour: '4', minute: '0' }),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(8),
          deleteAfter: Duration.days(stage.backup.monthlyRetentionDays),
        }),
      );
    }
    const plan = new backup.BackupPlan(this, 'BackupPlan', {
      backupPlanName: `${prefix}-plan`,
      backupVault: vault,
      backupPlanRules: rules,
    });
    const resources = [backup.BackupResource.fromRdsDatabaseCluster(this.database)];
    if (this.fileSystem) resources.push(backup.BackupResource.fromEfsFileSystem(this.fileSystem));
    const selection = plan.addSelection('Selection', { resources, allowRestores: true });
    Validations.of(selection).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
        reason:
          'The AWS Backup service role policies are the documented, service-maintained permissions for backup jobs; the role is assumed only by backup.amazonaws.com.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores]',
        reason:
          'Restores (docs/deploy.md) run as this role; the service-maintained restore policy is the documented minimum for RDS and EFS restores.',
      },
    );

    // --- Schema migrations at deploy time, over the Data API -----------------------------------
    this.migrateFunction = new NodeFunction(this, 'MigrateFunction', {
      stage,
      repoRoot: props.repoRoot,
      entry: path.join('functions', 'migrate', 'handler.ts'),
      description: 'Runs core/db migrations against Aurora through the RDS Data API (deploy-time trigger)',
      timeout: Duration.minutes(10),
      memorySize: 512,
      environment: {
        DATABASE_CLUSTER_ARN: this.database.clusterArn,
        DATABASE_SECRET_ARN: this.databaseSecret.secretArn,
        DATABASE_NAME,
      },
    });
    this.database.grantDataApiAccess(this.migrateFunction);
    new triggers.Trigger(this, 'MigrateTrigger', {
      handler: this.migrateFunction,
      executeAfter: [this.database],
      executeOnHandlerChange: true, // migrations are bundled: a new migration re-runs the trigger
      invocationType: triggers.InvocationType.REQUEST_RESPONSE,
      timeout: Duration.minutes(10),
    });
  }

  /** Data-tier security groups: each admits only the task groups (and the proxy/rotation). */
  private createSecurityGroups(vpc: ec2.IVpc, compute: ClusterSecurityGroups, stage: StageConfig) {
    const sg = (id: string, description: string) =>
      new ec2.SecurityGroup(this, id, { vpc, description, allowAllOutbound: false });
    const database = sg('DatabaseSg', 'Nimbus Aurora cluster');
    const proxy = sg('ProxySg', 'Nimbus RDS Proxy');
    const rotation = sg('RotationSg', 'Nimbus secret rotation function');
    const fileSystem = sg('FileSystemSg', 'Nimbus EFS mount targets');
    const pg = ec2.Port.tcp(POSTGRES);
    proxy.addEgressRule(database, pg, 'proxy to Aurora');
    rotation.addEgressRule(database, pg, 'rotation to Aurora');
    rotation.addEgressRule(ec2.Peer.ipv4(stage.vpcCidr), ec2.Port.tcp(443), 'Secrets Manager endpoint');
    for (const [name, task] of Object.entries(compute.tasks)) {
      proxy.addIngressRule(task, pg, `${name} tasks`);
      database.addIngressRule(task, pg, `${name} tasks (LISTEN/NOTIFY on the writer)`);
      if (stage.blobStore === 'efs') fileSystem.addIngressRule(task, ec2.Port.tcp(2049), `${name} tasks`);
    }
    return { database, proxy, rotation, fileSystem };
  }
}
