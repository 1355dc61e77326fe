import { Duration, RemovalPolicy, Stack, Token, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { HEARTBEAT_MISSING_EVENT } from '../../core/recovery/cluster-event';
import { formatSignalTag, type SignalTag } from '../../functions/recovery/signal-tag';
import type { RecoveryConfig } from '../../functions/recovery/ports';
import type { StageConfig } from '../config/stages';
import { QUEUE_CONSUMER } from '../config/topology';
import { METRICS_NAMESPACE } from '../constructs/mail-service';
import { NodeFunction } from '../constructs/node-function';
import { namePrefix } from './common';
import type { DataStack } from './data-stack';
import { createDashboard } from './monitoring-dashboard';
import {
  addDatabaseAlarms,
  addLambdaAlarms,
  addQueueAlarms,
  addTargetAlarms,
  addTaskAlarms,
  type AddAlarm,
} from './monitoring-resource-alarms';
import type { ServiceStack } from './service-stack';

export interface MonitoringStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly data: DataStack;
  readonly services: ServiceStack;
  readonly repoRoot: string;
}

export { QUEUE_AGE_THRESHOLDS } from './monitoring-resource-alarms';

/**
 * Operations: the alarm topic for humans, every alarm (each tagged with the signal it means), the
 * recovery function that receives every alarm state change of the stage, and the dashboard.
 */
export class MonitoringStack extends Stack {
  readonly topic: sns.Topic;
  readonly recoveryFunction: NodeFunction;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  private readonly prefix: string;
  private readonly alarmAction: cwActions.SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { stage, data, services } = props;
    this.prefix = namePrefix(stage);

    const opsKey = new kms.Key(this, 'OpsKey', {
      alias: `alias/${this.prefix}-ops`,
      description: `Nimbus ${stage.name}: alarm topic and recovery history`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key.
    opsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: `${this.prefix}-alarms`,
      displayName: `Nimbus ${stage.name} alarms`,
      masterKey: opsKey,
      enforceSSL: true,
    });
    for (const email of stage.alarmEmails)
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    this.alarmAction = new cwActions.SnsAction(this.topic);

    // --- Recovery ------------------------------------------------------------------------------
    const history = new dynamodb.Table(this, 'RecoveryHistory', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: opsKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY, // a 7-day log of decisions, not data
    });

    const recoveryConfig: RecoveryConfig = {
      stage: stage.name,
      clusterName: services.cluster.clusterName,
      services: Object.entries(services.services).map(([name, mail]) => {
        const sizing = (stage.cluster.services as Record<string, { minTasks: number; maxTasks: number }>)[
          name
        ];
        return {
          name,
          ecsServiceName: mail.service.serviceName,
          roles: mail.roles,
          minCount: sizing.minTasks,
          maxCount: sizing.maxTasks,
        };
      }),
      queues: Object.fromEntries(
        Object.entries(data.queues).map(([name, q]) => [
          name,
          { queueArn: q.queue.queueArn, deadLetterQueueArn: q.deadLetterQueue.queueArn },
        ]),
      ),
      queueConsumers: QUEUE_CONSUMER,
    };
    this.recoveryFunction = new NodeFunction(this, 'RecoveryFunction', {
      stage,
      repoRoot: props.repoRoot,
      entry: 'functions/recovery/handler.ts',
      description: 'Turns alarm state changes into recovery actions (core/recovery decides)',
      timeout: Duration.seconds(60),
      memorySize: 256,
      environment: {
        RECOVERY_CONFIG: this.toJsonString(recoveryConfig),
        ALARM_TOPIC_ARN: this.topic.topicArn,
        HISTORY_TABLE_NAME: history.tableName,
      },
    });
    this.grantRecovery(props, history, opsKey);

    new events.Rule(this, 'AlarmStateChanges', {
      description: `Every ${this.prefix} alarm state change → recovery`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: `${this.prefix}-` }] },
      },
      targets: [
        new targets.LambdaFunction(this.recoveryFunction, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
    // Published by the node that declares a silent peer dead (core/adapters/aws/eventbridge-heartbeat.ts).
    new events.Rule(this, 'ClusterEvents', {
      description: 'Node heartbeat missing (published by the node fleet) → recovery',
      eventPattern: {
        source: [HEARTBEAT_MISSING_EVENT.source],
        detailType: [HEARTBEAT_MISSING_EVENT.detailType],
        detail: { stage: [stage.name] },
      },
      targets: [new targets.LambdaFunction(this.recoveryFunction, { retryAttempts: 4 })],
    });
    new events.Rule(this, 'RecoveryTick', {
      description: 'Periodic re-evaluation (redrive after quiet periods, scale-in after backlogs)',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(this.recoveryFunction, { retryAttempts: 0 })],
    });

    this.createAlarms(props);
    this.dashboard = createDashboard(this, {
      ...props,
      prefix: this.prefix,
      recoveryFunction: this.recoveryFunction,
      alarms: this.alarms,
    });
  }

  private grantRecovery(props: MonitoringStackProps, history: dynamodb.Table, opsKey: kms.Key): void {
    const { data, services } = props;
    const fn = this.recoveryFunction;
    const clusterName = this.prefix; // the ECS cluster's fixed name (no cross-stack token in the ARN)
    const add = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions, resources, conditions }));

    // UpdateService only with forceNewDeployment (redeploy-service), never a desired count; Application
    // Auto Scaling also checks these two on the caller when its target's minimum is updated.
    add(
      'EcsServices',
      ['ecs:DescribeServices', 'ecs:UpdateService'],
      Object.values(services.services).map((m) => m.service.serviceArn),
    );
    // Scale-out raises the scalable target's minimum, scale-in restores it (never fights the autoscaler).
    add(
      'ScalableTargetMinimum',
      ['application-autoscaling:RegisterScalableTarget', 'application-autoscaling:DescribeScalableTargets'],
      ['*'],
      {
        StringEquals: {
          'application-autoscaling:service-namespace': 'ecs',
          'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
        },
      },
    );
    add('EcsListTasks', ['ecs:ListTasks'], ['*'], {
      ArnEquals: { 'ecs:cluster': services.cluster.clusterArn },
    });
    add(
      'EcsTasks',
      ['ecs:DescribeTasks', 'ecs:StopTask'],
      [this.formatArn({ service: 'ecs', resource: 'task', resourceName: `${clusterName}/*` })],
    );
    add('TargetHealth', ['elasticloadbalancing:DescribeTargetHealth'], ['*']);
    const queues = Object.values(data.queues);
    add(
      'RedriveFromDeadLetters',
      ['sqs:StartMessageMoveTask', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      queues.map((q) => q.deadLetterQueue.queueArn),
    );
    add(
      'RedriveToSource',
      ['sqs:SendMessage'],
      queues.map((q) => q.queue.queueArn),
    );
    add('SpoolKey', ['kms:Decrypt', 'kms:GenerateDataKey'], [data.key.keyArn]);
    add('Page', ['sns:Publish'], [this.topic.topicArn]);
    add('OpsKey', ['kms:Decrypt', 'kms:GenerateDataKey'], [opsKey.keyArn]);
    add('History', ['dynamodb:Query', 'dynamodb:PutItem'], [history.tableArn]);

    Validations.of(fn.role!).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecs:ListTasks is limited by the ecs:cluster condition to this cluster; elasticloadbalancing:DescribeTargetHealth has no resource-level permissions; scalable targets have generated ids, so RegisterScalableTarget is limited by condition to ECS service desired counts.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:${nagRender(this.partition, 'AWS::Partition')}:ecs:${this.region}:${nagRender(this.account, 'AWS::AccountId')}:task/${clusterName}/*]`,
        reason:
          'Task ids are not known in advance; DescribeTasks/StopTask are limited to the tasks of this stage’s cluster.',
      },
    );
  }

  private alarm(
    id: string,
    human: string,
    tag: SignalTag,
    options: cloudwatch.CreateAlarmOptions & { metric: cloudwatch.IMetric },
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...options,
      alarmName: `${this.prefix}-${kebab(id)}`,
      alarmDescription: formatSignalTag(human, tag),
    });
    alarm.addAlarmAction(this.alarmAction);
    alarm.addOkAction(this.alarmAction);
    this.alarms.push(alarm);
  }

  /**
   * Every alarm of the stage, in a fixed order (the dashboard's alarm widget lists them so). The
   * alarms on resource metrics are in monitoring-resource-alarms.ts; the alarms on the metrics the
   * nodes publish (EMF, core/adapters/aws/emf-metrics.ts) are here.
   */
  private createAlarms(props: MonitoringStackProps): void {
    const { data, services } = props;
    const alarm: AddAlarm = (id, human, tag, options) => this.alarm(id, human, tag, options);
    addTargetAlarms(alarm, services);
    addQueueAlarms(alarm, data);
    this.createNodeMetricAlarms(props);
    addDatabaseAlarms(alarm, data);
    addTaskAlarms(alarm, services);
    addLambdaAlarms(alarm, data, services, this.recoveryFunction);
    this.createCertificateAlarms(props);
  }

  /** ACME renewal (stages with `acme`): a failed run, and a certificate close to expiry. */
  private createCertificateAlarms(props: MonitoringStackProps): void {
    const renewal = props.data.certificateRenewal;
    if (!renewal) return;
    this.alarm(
      'CertificateRenewalErrors',
      'ACME renewal of the mail TLS certificate failed (function logs say why; the next daily run retries)',
      { kind: 'alarm' },
      {
        metric: renewal.function.metricErrors({ period: Duration.days(1), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
    // Renewal starts 30 days before expiry (by default): 14 days left means two weeks of failures.
    this.alarm(
      'CertificateExpiry',
      'mail TLS certificate expires within 14 days: renewal keeps failing (docs/operations.md)',
      { kind: 'alarm' },
      {
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'CertificateDaysLeft',
          dimensionsMap: { Stage: props.stage.name },
          statistic: cloudwatch.Stats.MINIMUM,
          period: Duration.days(1),
        }),
        threshold: 14,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
  }

  /** Alarms on the metrics the nodes publish: bounces, deferrals, authentication failures, no mail. */
  private createNodeMetricAlarms(props: MonitoringStackProps): void {
    const { stage } = props;
    const nimbus = (
      metricName: string,
      role?: string,
      statistic = cloudwatch.Stats.SUM,
      period = Duration.minutes(5),
    ) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: role ? { Stage: stage.name, Role: role } : { Stage: stage.name },
        statistic,
        period,
      });
    this.alarm(
      'Bounces',
      'mta: bounce rate spike (remote rejections, reputation or blocklisting)',
      { kind: 'error-rate-spike', role: 'mta' },
      {
        metric: nimbus('MessagesBounced', 'mta'),
        threshold: 100,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
    this.alarm(
      'Deferrals',
      'mta: deferral spike (remote 4xx, greylisting, egress blocked)',
      { kind: 'error-rate-spike', role: 'mta' },
      {
        metric: nimbus('MessagesDeferred', 'mta'),
        threshold: 500,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
    this.alarm(
      'AuthFailures',
      'authentication failures spike (password spraying?)',
      { kind: 'alarm' },
      {
        metric: nimbus('AuthFailures', 'submission'),
        threshold: 500,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
    if (stage.deletionProtection) {
      this.alarm(
        'NoMailAccepted',
        'mx: no message accepted for an hour',
        { kind: 'alarm', role: 'mx' },
        {
          metric: nimbus('MessagesAccepted', 'mx', cloudwatch.Stats.SUM, Duration.hours(1)),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        },
      );
    }
  }
}

function kebab(value: string): string {
  return value
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** How cdk-nag renders a value in finding ids: pseudo-parameters as <AWS::…>, literals as is. */
function nagRender(value: string, pseudo: string): string {
  return Token.isUnresolved(value) ? `<${pseudo}>` : value;
}
