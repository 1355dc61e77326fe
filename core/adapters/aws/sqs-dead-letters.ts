/**
 * The operator view of the SQS spool (list/get/retryNow/remove), on the dead-letter queues only:
 * jobs waiting or leased in a main queue cannot be read without taking them from the workers (and
 * counting a receive towards the redrive). DLQ messages are peeked by receiving them with a 30 s
 * visibility and released (visibility 0) or deleted afterwards.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  QUEUE_NAMES,
  type JobState,
  type JobSummary,
  type QueueName,
  type SpoolPayload,
} from '../../ports/spool';
import type { SqsClaimCheck } from './sqs-claim-check';
import { MAX_BATCH, REDRIVE, type SqsEnvelope } from './sqs-envelope';
import { deleteQuietly } from './sqs-receipts';
import type { SqsSender } from './sqs-sender';

export class SpoolOperationUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpoolOperationUnsupportedError';
  }
}

interface PeekedDeadLetter {
  message: Message;
  summary: JobSummary;
  env: SqsEnvelope;
}

export class SqsDeadLetters {
  constructor(
    private readonly client: SQSClient,
    private readonly url: (queue: QueueName, dlq?: boolean) => string,
    private readonly sender: SqsSender,
    private readonly claimCheck: SqsClaimCheck,
  ) {}

  async list(filter: { queue?: QueueName; state?: JobState; limit?: number } = {}): Promise<JobSummary[]> {
    if (filter.state && filter.state !== 'dead') {
      throw new SpoolOperationUnsupportedError(
        `listing ${filter.state} jobs is not possible on SQS (messages cannot be read without taking them); ` +
          'use queue depth, or list --state dead',
      );
    }
    const out: JobSummary[] = [];
    for (const queue of filter.queue ? [filter.queue] : QUEUE_NAMES) {
      const peeked = await this.peekDeadLetters(queue, (filter.limit ?? 1000) - out.length);
      await this.release(
        queue,
        peeked.map((p) => p.message),
      );
      out.push(...peeked.map((p) => p.summary));
    }
    return out;
  }

  async get(id: string): Promise<JobSummary | null> {
    const found = await this.findDead(id);
    if (!found) return null;
    await this.release(found.queue, [found.message]);
    return found.summary;
  }

  async retryNow(id: string): Promise<boolean> {
    const found = await this.findDead(id);
    if (!found) return false;
    const env = JSON.parse(found.message.Body!) as SqsEnvelope;
    const { deadAt: _d, notBefore: _n, ...rest } = env;
    await this.sender.sendAll(this.url(found.queue), [{ envelope: rest as SqsEnvelope, delay: 0 }]);
    await deleteQuietly(this.client, this.url(found.queue, true), found.message.ReceiptHandle!);
    return true;
  }

  async remove(id: string): Promise<JobSummary | null> {
    const found = await this.findDead(id);
    if (!found) return null;
    await deleteQuietly(this.client, this.url(found.queue, true), found.message.ReceiptHandle!);
    return found.summary;
  }

  /**
   * Reads up to `limit` DLQ messages, holding each invisible for 30 s so one pass sees each once.
   * The caller releases (visibility 0) or deletes them.
   */
  private async peekDeadLetters(
    queue: QueueName,
    limit: number,
    stopAt?: (env: SqsEnvelope) => boolean,
  ): Promise<PeekedDeadLetter[]> {
    const out: PeekedDeadLetter[] = [];
    while (out.length < limit) {
      const res = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.url(queue, true),
          MaxNumberOfMessages: Math.min(MAX_BATCH, limit - out.length),
          VisibilityTimeout: 30,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      const messages = res.Messages ?? [];
      if (messages.length === 0) break;
      for (const message of messages) {
        let env: SqsEnvelope;
        try {
          env = JSON.parse(message.Body ?? '') as SqsEnvelope;
        } catch {
          env = {
            v: 1,
            id: `sqs:${message.MessageId}`,
            queue,
            attempts: 0,
            createdAt: new Date(0).toISOString(),
          };
        }
        out.push({ message, env, summary: await this.summaryOf(queue, env) });
        if (stopAt?.(env)) return out;
      }
    }
    return out;
  }

  private async findDead(id: string) {
    for (const queue of QUEUE_NAMES) {
      const peeked = await this.peekDeadLetters(queue, 10_000, (env) => env.id === id);
      const hit = peeked.find((p) => p.env.id === id);
      await this.release(
        queue,
        peeked.filter((p) => p !== hit).map((p) => p.message),
      );
      if (hit) return { queue, ...hit };
    }
    return null;
  }

  private async summaryOf(queue: QueueName, env: SqsEnvelope): Promise<JobSummary> {
    let payload: SpoolPayload;
    try {
      payload = await this.claimCheck.loadPayload(env);
    } catch {
      payload = {
        queueId: env.id,
        blobKey: '',
        size: 0,
        mailFrom: '',
        recipients: [],
        receivedAt: env.createdAt,
      };
    }
    return {
      id: env.id,
      queue,
      payload,
      attempts: env.attempts,
      createdAt: new Date(env.createdAt),
      state: 'dead',
      visibleAt: new Date(),
      // A message the redrive policy moved (its worker kept dying) carries no error of ours.
      lastError:
        env.lastError ?? `moved to the dead-letter queue after ${REDRIVE[queue].maxReceiveCount} receives`,
    };
  }

  private async release(queue: QueueName, messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += MAX_BATCH) {
      await this.client
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.url(queue, true),
            Entries: messages.slice(i, i + MAX_BATCH).map((m, index) => ({
              Id: String(index),
              ReceiptHandle: m.ReceiptHandle!,
              VisibilityTimeout: 0,
            })),
          }),
        )
        .catch(() => undefined);
    }
  }
}
