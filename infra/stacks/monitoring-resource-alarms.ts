/**
 * The monitoring stack's alarms on metrics AWS publishes for the stage's resources: load balancer
 * targets, spool queues, Aurora, task memory and Lambda errors. Each is tagged with the signal it
 * means for the recovery function (functions/recovery/signal-tag.ts).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { HttpCodeTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { SignalTag } from '../../functions/recovery/signal-tag';
import { QUEUE_CONSUMER, type SpoolQueueName } from '../config/topology';
import type { DataStack } from './data-stack';
import type { ServiceStack } from './service-stack';

/** Adds one alarm to the stack, named `PREFIX-<kebab id>`, its description carrying the signal tag. */
export type AddAlarm = (
  id: string,
  human: string,
  tag: SignalTag,
  options: cloudwatch.CreateAlarmOptions & { metric: cloudwatch.IMetric },
) => void;

/** Spool queue age thresholds (seconds) above which recovery scales the consumer out. */
export const QUEUE_AGE_THRESHOLDS: Record<SpoolQueueName, number> = { inbound: 600, outbound: 1800 };

const minute = Duration.minutes(1);

/** NLB and ALB targets: unhealthy targets, services without a healthy task, web 5xx. */
export function addTargetAlarms(alarm: AddAlarm, services: ServiceStack): void {
  for (const { service, port, targetGroup } of services.mailTargets) {
    const id = `${pascalCase(service)}${pascalCase(port.id)}Unhealthy`;
    alarm(
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
    alarm(
      `${pascalCase(service)}NoHealthyTargets`,
      `${service}: no healthy task behind the NLB — mail service down`,
      { kind: 'no-healthy-targets', service },
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
  alarm(
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
  alarm(
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
}

/** Spool queues: oldest message too old (scale the consumer out), dead letters present. */
export function addQueueAlarms(alarm: AddAlarm, data: DataStack): void {
  for (const [name, { queue, deadLetterQueue }] of Object.entries(data.queues) as [
    SpoolQueueName,
    DataStack['queues']['inbound'],
  ][]) {
    const title = pascalCase(name);
    alarm(
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
    alarm(
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
}

/**
 * Aurora: at its maximum capacity, CPU saturated, the proxy waiting for free connections. Signal
 * `database`: automation takes no action on the database itself and holds back its own
 * replacements and scale-outs while one fires (docs/operations.md, "Automatic recovery").
 */
export function addDatabaseAlarms(alarm: AddAlarm, data: DataStack): void {
  const dbCluster = data.database;
  alarm(
    'DatabaseCapacity',
    'Aurora: at its maximum ACUs — raise maxCapacity',
    { kind: 'database' },
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
  alarm(
    'DatabaseCpu',
    'Aurora: CPU saturated',
    { kind: 'database' },
    {
      metric: dbCluster.metricCPUUtilization({ period: Duration.minutes(5) }),
      threshold: 90,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
  );
  // Connection exhaustion: the proxy needs more than 0.5 s on average to hand out a connection.
  alarm(
    'DatabaseConnections',
    'RDS Proxy: waiting for database connections (pool exhausted: long transactions, too many tasks, or max_connections)',
    { kind: 'database' },
    {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName: 'DatabaseConnectionsBorrowLatency',
        dimensionsMap: { ProxyName: data.proxy.dbProxyName },
        statistic: cloudwatch.Stats.AVERAGE,
        period: Duration.minutes(1),
      }),
      threshold: 500_000, // microseconds
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
  );
}

/** ECS tasks: memory per service. */
export function addTaskAlarms(alarm: AddAlarm, services: ServiceStack): void {
  for (const [name, mail] of Object.entries(services.services)) {
    alarm(
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
}

/** Lambda errors: the migration and recovery functions, and the web handlers. */
export function addLambdaAlarms(
  alarm: AddAlarm,
  data: DataStack,
  services: ServiceStack,
  recoveryFunction: lambda.IFunction,
): void {
  const functions = [
    { id: 'MigrateErrors', fn: data.migrateFunction, tag: { kind: 'alarm' as const } },
    { id: 'RecoveryErrors', fn: recoveryFunction, tag: { kind: 'alarm' as const } },
    ...(services.webApi?.functions ?? []).map((fn, i) => ({
      id: `WebHandler${i + 1}Errors`,
      fn,
      tag: { kind: 'error-rate-spike' as const, role: 'web' },
    })),
  ];
  for (const { id, fn, tag } of functions) {
    alarm(id, `Lambda errors: ${fn.node.path}`, tag, {
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

export function pascalCase(value: string): string {
  return value
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
