/**
 * Aurora PostgreSQL Serverless v2: parameters, log group, the cluster (writer and readers in
 * different AZs), single-user secret rotation, and the RDS Proxy the tasks query through.
 * Created in the DataStack's scope: the construct ids are part of the deployed contract.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import { APP_DATABASE_ROLE } from '../../core/db/app-role';
import { DATABASE_NAME } from './data-names';

export interface AuroraResources {
  database: rds.DatabaseCluster;
  secret: secretsmanager.ISecret;
  proxy: rds.DatabaseProxy;
}

export function createAurora(
  scope: Construct,
  options: {
    stage: StageConfig;
    vpc: ec2.IVpc;
    availabilityZones: readonly string[];
    key: kms.IKey;
    prefix: string;
    retain: RemovalPolicy;
    securityGroups: { database: ec2.ISecurityGroup; proxy: ec2.ISecurityGroup; rotation: ec2.ISecurityGroup };
  },
): AuroraResources {
  const { stage, vpc, availabilityZones, key, prefix, retain, securityGroups } = options;
  const azs = availabilityZones.slice(0, stage.azCount);
  const parameterGroup = new rds.ParameterGroup(scope, 'DatabaseParameters', {
    engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_9 }),
    description: 'Nimbus: TLS required, slow statements logged',
    parameters: { 'rds.force_ssl': '1', log_min_duration_statement: '1000' },
  });
  // Created here (not by RDS on first export) so that retention is set without a LogRetention function.
  const databaseLogs = new logs.LogGroup(scope, 'DatabaseLogs', {
    logGroupName: `/aws/rds/cluster/${prefix}-db/postgresql`,
    retention: stage.logRetentionDays,
    removalPolicy: retain,
  });
  const database = new rds.DatabaseCluster(scope, 'Database', {
    clusterIdentifier: `${prefix}-db`,
    engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_9 }),
    parameterGroup,
    credentials: rds.Credentials.fromGeneratedSecret('nimbus_admin', {
      secretName: `${prefix}/database-admin`,
      encryptionKey: key,
    }),
    defaultDatabaseName: DATABASE_NAME,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [securityGroups.database],
    writer: rds.ClusterInstance.serverlessV2('Writer', {
      availabilityZone: azs[0],
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: key,
      publiclyAccessible: false,
    }),
    readers: Array.from({ length: stage.database.readers }, (_, index) =>
      rds.ClusterInstance.serverlessV2(`Reader${index + 1}`, {
        availabilityZone: azs[(index + 1) % azs.length],
        scaleWithWriter: true, // promotion tier 1: a failover target sized like the writer
        enablePerformanceInsights: true,
        performanceInsightEncryptionKey: key,
        publiclyAccessible: false,
      }),
    ),
    serverlessV2MinCapacity: stage.database.minCapacity,
    serverlessV2MaxCapacity: stage.database.maxCapacity,
    enableDataApi: true,
    storageEncrypted: true,
    storageEncryptionKey: key,
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
  database.node.addDependency(databaseLogs);
  const secret = database.secret!;
  database.addRotationSingleUser({
    automaticallyAfter: Duration.days(30),
    securityGroup: securityGroups.rotation,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  });
  Validations.of(database).acknowledge(
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
  Validations.of(database).acknowledge({
    id: 'AwsSolutions-RDS11',
    reason:
      'The database is reachable only from the task, proxy and rotation security groups in isolated subnets; a non-default port adds nothing and breaks tooling defaults.',
  });
  if (!stage.deletionProtection) {
    Validations.of(database).acknowledge({
      id: 'AwsSolutions-RDS10',
      reason: `Stage ${stage.name} is a throw-away stage; staging and prod enable deletion protection (infra/config/stages.ts).`,
    });
  }

  // Tasks use the proxy for pooled queries (failover-aware, bounded connections); LISTEN/NOTIFY
  // needs a session that the proxy would pin, so nodes also hold one direct connection.
  // End-to-end IAM authentication: tasks log in as the application role (migration 50) with IAM
  // tokens, and the proxy logs in to Aurora the same way — no password that rotation could
  // invalidate under a running task; the master secret stays for migrations (Data API) only.
  const proxyRole = new iam.Role(scope, 'ProxyRole', {
    assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
    description: `Nimbus ${stage.name}: RDS Proxy logs in to Aurora as ${APP_DATABASE_ROLE} (IAM)`,
  });
  database.grantConnect(proxyRole, APP_DATABASE_ROLE);
  const proxy = database.addProxy('Proxy', {
    defaultAuthScheme: rds.DefaultAuthScheme.IAM_AUTH,
    role: proxyRole,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [securityGroups.proxy],
    requireTLS: true,
    idleClientTimeout: Duration.minutes(30),
    maxConnectionsPercent: 90,
  });
  return { database, secret, proxy };
}
