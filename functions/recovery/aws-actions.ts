/**
 * The recovery function's only contact with AWS: every SDK call lives here, behind the
 * RecoveryActuator port, so the decision path (recover.ts, core/recovery) is testable without AWS.
 * The Node.js 22 Lambda runtime provides these AWS SDK v3 clients; the bundle keeps them external.
 */
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  ApplicationAutoScalingClient,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import type { ActionRecord, Signal } from '../../core/recovery/types';
import type { RecoveryActuator, ServiceRuntime } from './ports';

export interface AwsActuatorOptions {
  readonly clusterName: string;
  readonly topicArn: string;
  readonly tableName: string;
}

const TTL_SECONDS = 7 * 24 * 60 * 60;

export function createAwsActuator(options: AwsActuatorOptions): RecoveryActuator {
  const ecs = new ECSClient({});
  const scaling = new ApplicationAutoScalingClient({});
  const elb = new ElasticLoadBalancingV2Client({});
  const sqs = new SQSClient({});
  const sns = new SNSClient({});
  const ddb = new DynamoDBClient({});
  const cluster = options.clusterName;
  const expires = (at: number) => ({ N: String(Math.floor(at / 1000) + TTL_SECONDS) });

  async function query(pk: string, sinceMs: number): Promise<string[]> {
    const items: string[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await ddb.send(
        new QueryCommand({
          TableName: options.tableName,
          KeyConditionExpression: 'pk = :pk AND sk >= :since',
          ExpressionAttributeValues: { ':pk': { S: pk }, ':since': { S: sortKey(sinceMs, '') } },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) if (item.data?.S) items.push(item.data.S);
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    return items;
  }

  return {
    async describeServices(names) {
      const out: Record<string, ServiceRuntime> = {};
      for (let i = 0; i < names.length; i += 10) {
        const page = await ecs.send(
          new DescribeServicesCommand({ cluster, services: names.slice(i, i + 10) }),
        );
        for (const service of page.services ?? []) {
          if (service.serviceName) {
            out[service.serviceName] = {
              desired: service.desiredCount ?? 0,
              running: service.runningCount ?? 0,
              // A rollout (or the circuit breaker's rollback) is under way.
              deploying:
                (service.deployments ?? []).length > 1 ||
                (service.deployments ?? []).some((d) => d.rolloutState === 'IN_PROGRESS'),
            };
          }
        }
      }
      return out;
    },

    async unhealthyTasks(targetGroupArn, ecsServiceName) {
      const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
      const ips = new Set(
        (health.TargetHealthDescriptions ?? [])
          .filter((d) => d.TargetHealth?.State === 'unhealthy')
          .map((d) => d.Target?.Id)
          .filter((id): id is string => Boolean(id)),
      );
      if (ips.size === 0) return [];
      const listed = await ecs.send(
        new ListTasksCommand({ cluster, serviceName: ecsServiceName, desiredStatus: 'RUNNING' }),
      );
      const arns = listed.taskArns ?? [];
      const ids: string[] = [];
      for (let i = 0; i < arns.length; i += 100) {
        const described = await ecs.send(
          new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }),
        );
        for (const task of described.tasks ?? []) {
          const ip = task.attachments
            ?.flatMap((a) => a.details ?? [])
            .find((d) => d.name === 'privateIPv4Address')?.value;
          // ECS names a service's tasks' group `service:<name>`: never stop another service's task.
          const ofService = task.group === `service:${ecsServiceName}`;
          if (ip && ips.has(ip) && ofService && task.taskArn) ids.push(task.taskArn.split('/').pop()!);
        }
      }
      return ids;
    },

    async stopTask(taskId, reason) {
      await ecs.send(new StopTaskCommand({ cluster, task: taskId, reason }));
    },

    async setMinimumCapacity(ecsServiceName, minCapacity) {
      // Updating a registered target: only the minimum changes (maximum, policies, role stay).
      await scaling.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
          ResourceId: `service/${cluster}/${ecsServiceName}`,
          MinCapacity: minCapacity,
        }),
      );
    },

    async redeployService(ecsServiceName) {
      // No desiredCount: the autoscaler's count stays; only the tasks are replaced.
      await ecs.send(
        new UpdateServiceCommand({ cluster, service: ecsServiceName, forceNewDeployment: true }),
      );
    },

    async redrive(deadLetterQueueArn, sourceQueueArn) {
      await sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: deadLetterQueueArn, DestinationArn: sourceQueueArn }),
      );
    },

    async publish(subject, message) {
      await sns.send(new PublishCommand({ TopicArn: options.topicArn, Subject: subject, Message: message }));
    },

    async loadHistory(sinceMs) {
      const [signals, actions] = await Promise.all([query('signal', sinceMs), query('action', sinceMs)]);
      return {
        signals: signals.map((s) => JSON.parse(s) as Signal),
        actions: actions.map((a) => JSON.parse(a) as ActionRecord),
      };
    },

    async recordSignals(signals) {
      for (const signal of signals) {
        await ddb.send(
          new PutItemCommand({
            TableName: options.tableName,
            Item: {
              pk: { S: 'signal' },
              sk: { S: sortKey(signal.at, signal.source) },
              data: { S: JSON.stringify(signal) },
              expiresAt: expires(signal.at),
            },
          }),
        );
      }
    },

    async claim(record, until) {
      try {
        await ddb.send(
          new PutItemCommand({
            TableName: options.tableName,
            Item: {
              pk: { S: 'claim' },
              sk: { S: record.key },
              until: { N: String(until) },
              expiresAt: expires(until),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #until < :now',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':now': { N: String(record.at) } },
          }),
        );
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
      await ddb.send(
        new PutItemCommand({
          TableName: options.tableName,
          Item: {
            pk: { S: 'action' },
            sk: { S: sortKey(record.at, record.key) },
            data: { S: JSON.stringify(record) },
            expiresAt: expires(record.at),
          },
        }),
      );
      return true;
    },
  };
}

/** Sort keys order by time: zero-padded epoch milliseconds, then the identity. */
function sortKey(at: number, id: string): string {
  return `${String(at).padStart(15, '0')}#${id}`;
}
