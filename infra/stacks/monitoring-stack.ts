import { Duration, RemovalPolicy, Stack, Token, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { HttpCodeTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { formatSignalTag, type SignalTag } from '../../functions/recovery/signal-tag';
import type { RecoveryConfig } from '../../functions/recovery/ports';
import type { StageConfig } from '../config/stages';
import { QUEUE_CONSUMER, type SpoolQueueName } from '../config/topology';
import { METRICS_NAMESPACE } from '../constructs/mail-service';
import { NodeFunction } from '../constructs/node-function';
import { namePrefix } from './common';
import type { DataStack } from './data-stack';
import type { ServiceStack } from './service-stack';

export interface MonitoringStackProps extends StackProps {
  readonly stage: StageConfig;
  readonly data: DataStack;
  readonly services: ServiceStack;
  readonly repoRoot: string;
}

/** Spool queue age thresholds (seconds) above which recovery scales the consumer out. */
export const QUEUE_AGE_THRESHOLDS: Record<SpoolQueueName, number> = { inbound: 600, outbound: 1800 };

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
    new events.Rule(this, 'ClusterEvents', {
      description: 'Node heartbeat missing (published by the node fleet) → recovery',
      eventPattern: { source: ['nimbus.cluster'], detail: { stage: [stage.name] } },
      targets: [new targets.LambdaFunction(this.recoveryFunction, { retryAttempts: 4 })],
    });
    new events.Rule(this, 'RecoveryTick', {
      description: 'Periodic re-evaluation (redrive after quiet periods, scale-in after backlogs)',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(this.recoveryFunction, { retryAttempts: 0 })],
    });

    this.createAlarms(props);
    this.dashboard = this.createDashboard(props);
  }

  private grantRecovery(props: MonitoringStackProps, history: dynamodb.Table, opsKey: kms.Key): void {
    const { data, services } = props;
    const fn = this.recoveryFunction;
    const clusterName = this.prefix; // the ECS cluster's fixed name (no cross-stack token in the ARN)
    const add = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ sid, actions, resources, conditions }));

    add(
      'EcsServices',
      ['ecs:DescribeServices', 'ecs:UpdateService'],
      Object.values(services.services).map((m) => m.service.serviceArn),
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
          'ecs:ListTasks is limited by the ecs:cluster condition to this cluster; elasticloadbalancing:DescribeTargetHealth has no resource-level permissions.',
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

  private createAlarms(props: MonitoringStackProps): void {
    const { stage, data, services } = props;
    const minute = Duration.minutes(1);

    for (const { service, port, targetGroup } of services.mailTargets) {
      const id = `${pascalCase(service)}${pascalCase(port.id)}Unhealthy`;
      this.alarm(
        id,
        `${service}: a target on port ${port.listenerPort} fails /healthz`,
        {
          kind: 'target-unhealthy',
          service,
          targetGroupArn: targetGroup.targetGroupArn,
        },
        {
          metric: targetGroup.metrics.unHealthyHostCount({
            period: minute,
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
    }
    const firstTargetGroupOf = new Map<string, (typeof services.mailTargets)[number]>();
    for (const target of services.mailTargets)
      if (!firstTargetGroupOf.has(target.service)) firstTargetGroupOf.set(target.service, target);
    for (const [service, target] of firstTargetGroupOf) {
      this.alarm(
        `${pascalCase(service)}NoHealthyTargets`,
        `${service}: no healthy task behind the NLB — mail service down`,
        { kind: 'alarm', service },
        {
          metric: target.targetGroup.metrics.healthyHostCount({
            period: minute,
            statistic: cloudwatch.Stats.MINIMUM,
          }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 2,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        },
      );
    }

    const webService = Object.entries(services.services).find(([, m]) => m.roles.includes('web'))![0];
    this.alarm(
      'WebUnhealthy',
      'web: a target behind the ALB fails /healthz',
      {
        kind: 'target-unhealthy',
        service: webService,
        targetGroupArn: services.webTargetGroup.targetGroupArn,
      },
      {
        metric: services.webTargetGroup.metrics.unhealthyHostCount({
          period: minute,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
    this.alarm(
      'Web5xx',
      'web: 5xx responses from the web role',
      { kind: 'error-rate-spike', role: 'web' },
      {
        metric: services.alb.metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, {
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.SUM,
        }),
        threshold: 50,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );

    for (const [name, { queue, deadLetterQueue }] of Object.entries(data.queues) as [
      SpoolQueueName,
      DataStack['queues']['inbound'],
    ][]) {
      const title = pascalCase(name);
      this.alarm(
        `${title}QueueAge`,
        `spool ${name}: oldest message older than ${QUEUE_AGE_THRESHOLDS[name]} s`,
        {
          kind: 'queue-age-high',
          queue: name,
          role: QUEUE_CONSUMER[name],
        },
        {
          metric: queue.metricApproximateAgeOfOldestMessage({
            period: minute,
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          threshold: QUEUE_AGE_THRESHOLDS[name],
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
      this.alarm(
        `${title}DeadLetters`,
        `spool ${name}: messages in the dead-letter queue`,
        { kind: 'dlq-not-empty', queue: name },
        {
          metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
    }

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

    const dbCluster = data.database;
    this.alarm(
      'DatabaseCapacity',
      'Aurora: at its maximum ACUs — raise maxCapacity',
      { kind: 'alarm' },
      {
        metric: dbCluster.metric('ACUUtilization', {
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.AVERAGE,
        }),
        threshold: 90,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );
    this.alarm(
      'DatabaseCpu',
      'Aurora: CPU saturated',
      { kind: 'alarm' },
      {
        metric: dbCluster.metricCPUUtilization({ period: Duration.minutes(5) }),
        threshold: 90,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      },
    );

    for (const [name, mail] of Object.entries(services.services)) {
      this.alarm(
        `${pascalCase(name)}Memory`,
        `${name}: task memory above 90 % (sessions per task too high?)`,
        { kind: 'alarm', service: name },
        {
          metric: mail.service.metricMemoryUtilization({ period: Duration.minutes(5) }),
          threshold: 90,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
    }

    const functions = [
      { id: 'MigrateErrors', fn: data.migrateFunction, tag: { kind: 'alarm' as const } },
      { id: 'RecoveryErrors', fn: this.recoveryFunction, tag: { kind: 'alarm' as const } },
      ...(services.webApi?.functions ?? []).map((fn, i) => ({
        id: `WebHandler${i + 1}Errors`,
        fn,
        tag: { kind: 'error-rate-spike' as const, role: 'web' },
      })),
    ];
    for (const { id, fn, tag } of functions) {
      this.alarm(id, `Lambda errors: ${fn.node.path}`, tag, {
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
  }

  private createDashboard(props: MonitoringStackProps): cloudwatch.Dashboard {
    const { stage, data, services } = props;
    const m = (metricName: string, role: string, statistic = cloudwatch.Stats.SUM, label?: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { Stage: stage.name, Role: role },
        statistic,
        period: Duration.minutes(1),
        label: label ?? `${metricName} (${role})`,
      });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.prefix}-cluster`,
      defaultInterval: Duration.hours(6),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Sessions per protocol (all tasks)',
        left: [
          m('SessionsSmtp', 'mx', cloudwatch.Stats.SUM, 'SMTP inbound'),
          m('SessionsSmtp', 'submission', cloudwatch.Stats.SUM, 'SMTP submission'),
          m('SessionsImap', 'imap', cloudwatch.Stats.SUM, 'IMAP'),
          m('SessionsPop3', 'pop3', cloudwatch.Stats.SUM, 'POP3'),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Messages per minute',
        left: [
          m('MessagesAccepted', 'mx', cloudwatch.Stats.SUM, 'accepted (mx)'),
          m('MessagesAccepted', 'submission', cloudwatch.Stats.SUM, 'accepted (submission)'),
          m('MessagesDelivered', 'delivery', cloudwatch.Stats.SUM, 'delivered locally'),
          m('MessagesDelivered', 'mta', cloudwatch.Stats.SUM, 'relayed'),
          m('MessagesDeferred', 'mta', cloudwatch.Stats.SUM, 'deferred'),
          m('MessagesBounced', 'mta', cloudwatch.Stats.SUM, 'bounced'),
        ],
        width: 12,
      }),
    );
    const queues = Object.entries(data.queues);
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Spool depth (visible / in flight)',
        left: queues.flatMap(([name, q]) => [
          q.queue.metricApproximateNumberOfMessagesVisible({
            label: `${name} visible`,
            period: Duration.minutes(1),
          }),
          q.queue.metricApproximateNumberOfMessagesNotVisible({
            label: `${name} in flight`,
            period: Duration.minutes(1),
          }),
        ]),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Spool age of oldest message (s)',
        left: queues.map(([name, q]) =>
          q.queue.metricApproximateAgeOfOldestMessage({
            label: name,
            period: Duration.minutes(1),
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
        ),
        leftAnnotations: queues.map(([name]) => ({
          value: QUEUE_AGE_THRESHOLDS[name as SpoolQueueName],
          label: `${name} alarm`,
        })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead letters',
        left: queues.map(([name, q]) =>
          q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            label: `${name} DLQ`,
            period: Duration.minutes(1),
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
        ),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Unhealthy targets',
        left: [
          ...services.mailTargets.map((t) =>
            t.targetGroup.metrics.unHealthyHostCount({
              label: `${t.service}:${t.port.listenerPort}`,
              period: Duration.minutes(1),
              statistic: cloudwatch.Stats.MAXIMUM,
            }),
          ),
          services.webTargetGroup.metrics.unhealthyHostCount({
            label: 'web (ALB)',
            period: Duration.minutes(1),
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Aurora load',
        left: [
          data.database.metric('ACUUtilization', {
            label: 'ACU utilisation %',
            statistic: cloudwatch.Stats.AVERAGE,
          }),
          data.database.metricCPUUtilization({ label: 'CPU %' }),
        ],
        right: [
          data.database.metric('ServerlessDatabaseCapacity', {
            label: 'ACUs',
            statistic: cloudwatch.Stats.AVERAGE,
          }),
          data.database.metricDatabaseConnections({ label: 'connections' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: [data.migrateFunction, this.recoveryFunction, ...(services.webApi?.functions ?? [])].map((fn) =>
          fn.metricErrors({
            label: fn.node.id,
            period: Duration.minutes(5),
            statistic: cloudwatch.Stats.SUM,
          }),
        ),
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Tasks: CPU % (solid) and memory % per service',
        left: Object.entries(services.services).map(([name, mail]) =>
          mail.service.metricCpuUtilization({ label: `${name} CPU` }),
        ),
        right: Object.entries(services.services).map(([name, mail]) =>
          mail.service.metricMemoryUtilization({ label: `${name} memory` }),
        ),
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
    );
    return dashboard;
  }
}

function pascalCase(value: string): string {
  return value
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
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
