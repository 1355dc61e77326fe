/**
 * AWS Backup for the data tier: a vault, daily (and optionally monthly) rules, Aurora and EFS
 * selected. Created in the DataStack's scope: the construct ids are part of the deployed contract.
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as efs from 'aws-cdk-lib/aws-efs';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';

export function createBackupPlan(
  scope: Construct,
  options: {
    stage: StageConfig;
    prefix: string;
    key: kms.IKey;
    retain: RemovalPolicy;
    database: rds.IDatabaseCluster;
    fileSystem: efs.IFileSystem | undefined;
  },
): void {
  const { stage, prefix, key, retain, database, fileSystem } = options;
  const vault = new backup.BackupVault(scope, 'BackupVault', {
    backupVaultName: `${prefix}-vault`,
    encryptionKey: key,
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
  const plan = new backup.BackupPlan(scope, 'BackupPlan', {
    backupPlanName: `${prefix}-plan`,
    backupVault: vault,
    backupPlanRules: rules,
  });
  const resources = [backup.BackupResource.fromRdsDatabaseCluster(database)];
  if (fileSystem) resources.push(backup.BackupResource.fromEfsFileSystem(fileSystem));
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
}
