import * as path from 'node:path';
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as triggers from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import type { SpoolQueueName } from '../config/topology';
import { CertificateRenewal } from '../constructs/certificate-renewal';
import { NodeFunction } from '../constructs/node-function';
import { namePrefix, removalPolicyFor } from './common';
import { createBackupPlan } from './data-backup';
import { createAccessLogBucket, createBlobBucket } from './data-buckets';
import { createAurora } from './data-database';
import { DATABASE_NAME } from './data-names';
import { POSTGRES, type ClusterSecurityGroups } from './network-stack';

export {
  BLOB_PREFIX,
  DATABASE_NAME,
  SPOOL_PREFIX,
  blobBucketArn,
  blobBucketName,
  blobPrefixAcknowledgements,
} from './data-names';

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
  /** ACME renewal of the mail certificate into `tlsSecret` (stages with `acme` and a hosted zone). */
  readonly certificateRenewal?: CertificateRenewal;
  /** NIMBUS_SECRET_KEY of every task: seals DKIM keys, signs SRS addresses (docs/deploy.md). */
  readonly installationSecret: secretsmanager.Secret;
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
    this.logBucket = createAccessLogBucket(this, retain);
    this.blobBucket = createBlobBucket(this, stage, this.key, this.logBucket, retain);

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
    const hostedZone = stage.dns?.hostedZone;
    if (stage.acme && hostedZone) {
      this.certificateRenewal = new CertificateRenewal(this, 'CertificateRenewal', {
        stage,
        repoRoot: props.repoRoot,
        tlsSecret: this.tlsSecret,
        key: this.key,
        hostedZone,
      });
    }

    this.installationSecret = new secretsmanager.Secret(this, 'InstallationSecret', {
      secretName: `${prefix}/installation-secret`,
      description: `Nimbus ${stage.name}: NIMBUS_SECRET_KEY of every node (seals DKIM keys, signs SRS); see docs/deploy.md`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      encryptionKey: this.key,
      removalPolicy: retain,
    });
    Validations.of(this.installationSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The installation secret seals data at rest (DKIM private keys) and signs SRS addresses in flight: a rotation would make both unreadable. It is replaced only by the re-keying procedure in docs/deploy.md.',
    });

    // --- Aurora PostgreSQL Serverless v2 -------------------------------------------------------
    const aurora = createAurora(this, {
      stage,
      vpc,
      availabilityZones: props.availabilityZones,
      key: this.key,
      prefix,
      retain,
      securityGroups: dataSgs,
    });
    this.database = aurora.database;
    this.databaseSecret = aurora.secret;
    this.proxy = aurora.proxy;

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
    createBackupPlan(this, {
      stage,
      prefix,
      key: this.key,
      retain,
      database: this.database,
      fileSystem: this.fileSystem,
    });

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
