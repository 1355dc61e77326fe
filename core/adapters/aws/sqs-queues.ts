/**
 * The SQS spool's queues: PREFIX-inbound, PREFIX-outbound, each with a dead-letter queue
 * PREFIX-<queue>-dlq (the names infra/stacks/data-stack.ts creates). Resolving their URLs at start,
 * creating them for dev and tests, and reading their depth.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { QUEUE_NAMES, type QueueName } from '../../ports/spool';
import { StorageUnavailableError } from '../../ports/sql';
import { REDRIVE } from './sqs-envelope';

export interface QueueUrls {
  main: string;
  dlq: string;
}

export type QueueNamer = (queue: QueueName, dlq?: boolean) => string;

/** Resolves every queue's URL; fails naming the missing queue (`description` names the setting). */
export async function resolveQueueUrls(
  client: SQSClient,
  nameOf: QueueNamer,
  description: string,
): Promise<Record<QueueName, QueueUrls>> {
  const urls = {} as Record<QueueName, QueueUrls>;
  for (const queue of QUEUE_NAMES) {
    urls[queue] = {
      main: await urlOf(client, nameOf(queue), description),
      dlq: await urlOf(client, nameOf(queue, true), description),
    };
  }
  return urls;
}

async function urlOf(client: SQSClient, name: string, description: string): Promise<string> {
  try {
    const out = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    return out.QueueUrl!;
  } catch (error) {
    const e = error as Error;
    if (/NonExistentQueue|QueueDoesNotExist/.test(`${e.name} ${e.message}`)) {
      throw new Error(
        `invalid setting spool: SQS queue ${name} does not exist (NIMBUS_SPOOL=${description})`,
      );
    }
    throw new StorageUnavailableError(`SQS unavailable resolving ${name}: ${e.message}`, { cause: error });
  }
}

/** `--create-missing` (dev and tests): creates the queues and their DLQs with the redrive policy. */
export async function createQueuesIfMissing(client: SQSClient, nameOf: QueueNamer): Promise<void> {
  for (const queue of QUEUE_NAMES) {
    const dlq = await client.send(
      new CreateQueueCommand({
        QueueName: nameOf(queue, true),
        Attributes: { MessageRetentionPeriod: '1209600' },
      }),
    );
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }),
    );
    await client.send(
      new CreateQueueCommand({
        QueueName: nameOf(queue),
        Attributes: {
          MessageRetentionPeriod: '1209600',
          VisibilityTimeout: String(REDRIVE[queue].visibilitySeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: attrs.Attributes!.QueueArn,
            maxReceiveCount: REDRIVE[queue].maxReceiveCount,
          }),
        },
      }),
    );
  }
}

/** Message counts from GetQueueAttributes: ready = visible + delayed, leased = not visible, dead = DLQ. */
export async function readQueueDepth(
  client: SQSClient,
  urls: QueueUrls,
): Promise<{ ready: number; leased: number; dead: number }> {
  const [main, dlq] = await Promise.all([
    client.send(
      new GetQueueAttributesCommand({
        QueueUrl: urls.main,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    ),
    client.send(
      new GetQueueAttributesCommand({
        QueueUrl: urls.dlq,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    ),
  ]);
  const n = (attrs: Record<string, string> | undefined, name: string) => Number(attrs?.[name] ?? 0);
  return {
    ready:
      n(main.Attributes, 'ApproximateNumberOfMessages') +
      n(main.Attributes, 'ApproximateNumberOfMessagesDelayed'),
    leased: n(main.Attributes, 'ApproximateNumberOfMessagesNotVisible'),
    dead:
      n(dlq.Attributes, 'ApproximateNumberOfMessages') +
      n(dlq.Attributes, 'ApproximateNumberOfMessagesNotVisible'),
  };
}
