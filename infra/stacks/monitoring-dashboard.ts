/** The stage's CloudWatch dashboard: sessions, message flow, spool, targets, Aurora, Lambdas, tasks, alarms. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import type { SpoolQueueName } from '../config/topology';
import { METRICS_NAMESPACE } from '../constructs/mail-service';
import type { DataStack } from './data-stack';
import { QUEUE_AGE_THRESHOLDS } from './monitoring-resource-alarms';
import type { ServiceStack } from './service-stack';

export interface DashboardProps {
  readonly stage: StageConfig;
  readonly data: DataStack;
  readonly services: ServiceStack;
  /** Name prefix of the stage's resources: the dashboard is PREFIX-cluster. */
  readonly prefix: string;
  readonly recoveryFunction: lambda.IFunction;
  readonly alarms: cloudwatch.IAlarm[];
}

export function createDashboard(scope: Construct, props: DashboardProps): cloudwatch.Dashboard {
  const { stage, data, services, prefix, recoveryFunction, alarms } = props;
  const m = (metricName: string, role: string, statistic = cloudwatch.Stats.SUM, label?: string) =>
    new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { Stage: stage.name, Role: role },
      statistic,
      period: Duration.minutes(1),
      label: label ?? `${metricName} (${role})`,
    });
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: `${prefix}-cluster`,
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
      left: [data.migrateFunction, recoveryFunction, ...(services.webApi?.functions ?? [])].map((fn) =>
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
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 12 }),
  );
  return dashboard;
}
