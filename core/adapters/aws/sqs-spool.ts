/**
 * The Spool port on Amazon SQS (standard queues), with the claim-check pattern: the message bytes
 * are in the BlobStore (the job carries the blob key), the SQS message carries only the envelope.
 * Queues: PREFIX-inbound, PREFIX-outbound, each with a dead-letter queue PREFIX-<queue>-dlq (the
 * names infra/stacks/data-stack.ts creates).
 *
 * Mapping of the port:
 * - leaseToken = the receipt handle; a lease = the visibility timeout (VisibilityTimeout on
 *   ReceiveMessage, ChangeMessageVisibility for extendLease, SQS caps it at 12 h).
 * - attempts are ours, in the message body, independent of ApproximateReceiveCount: retryLater
 *   sends a new message (attempts + 1, updated payload, DelaySeconds ≤ 900) and deletes the old
 *   one. A delay above SQS's 15-minute maximum is done in hops: the body carries `notBefore`, and
 *   a message received before then is re-sent with another delay (≤ 900 s) without being handed
 *   to the worker. So the redrive policy's maxReceiveCount only counts receives of one message
 *   that were never answered (a job that crashes its worker): poison messages go to the DLQ.
 * - deadLetter: send to the DLQ, then delete. retryNow moves a DLQ message back.
 * - enqueueMany = SendMessageBatch (10 entries and ≤ 200 KiB per call), ackMany =
 *   DeleteMessageBatch; receive loops ReceiveMessage (≤ 10 per call) up to `max`, long-polling
 *   only the first call.
 * - Envelopes above 200 KiB (thousands of recipients) go to the spool area of the bucket
 *   (NIMBUS_SPOOL_BLOBS, expired by the bucket's lifecycle rule) and the message carries the key.
 *
 * At-least-once: a standard queue may deliver a message twice and a send may be repeated after a
 * lost reply; enqueue is therefore NOT idempotent on the job id here (MessageDeduplicationId only
 * exists on FIFO queues, whose 300 msg/s per-API limit and lack of per-message delays rule them
 * out). Duplicates are harmless: delivery dedupes on (queue id, recipient) in SQL, and the spool's
 * blob reference is released once per queue id.
 *
 * Not possible on SQS: releaseLeases(owner) (a receipt handle cannot be found by owner; the lease
 * simply expires), and seeing jobs that are waiting or leased in the main queue (list/get/remove/
 * retryNow work on the dead-letter queue only). depth() comes from GetQueueAttributes; the age of
 * the oldest message is a CloudWatch metric only, so oldestAgeSeconds is this node's estimate
 * from the jobs it received in the last minute (0 when idle).
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import {
  QUEUE_NAMES,
  type JobState,
  type JobSummary,
  type LeasedJob,
  type QueueName,
  type Spool,
  type SpoolPayload,
} from '../../ports/spool';
import { StorageUnavailableError } from '../../ports/sql';
import { clientConfig, type AwsClientOptions } from './aws-requests';
import { SqsClaimCheck, type SpoolPayloadStore } from './sqs-claim-check';
import { SqsDeadLetters } from './sqs-dead-letters';
import { MAX_BATCH, MAX_VISIBILITY_SECONDS, type SqsEnvelope } from './sqs-envelope';
import { createQueuesIfMissing, readQueueDepth, resolveQueueUrls, type QueueUrls } from './sqs-queues';
import { deleteQuietly, isStaleReceipt } from './sqs-receipts';
import { SqsSender } from './sqs-sender';

export { MAX_DELAY_SECONDS, MAX_VISIBILITY_SECONDS, REDRIVE, type SqsEnvelope } from './sqs-envelope';
export { SpoolOperationUnsupportedError } from './sqs-dead-letters';

export interface SqsSpoolOptions extends AwsClientOptions {
  /** Queue name prefix: queues PREFIX-inbound, PREFIX-outbound, PREFIX-<queue>-dlq. */
  prefix: string;
  /** Long-poll wait of the first ReceiveMessage of a receive() (0–20 s; a drain waits at most this). */
  waitSeconds?: number;
  /** Where oversized envelopes go (claim check); without it they are refused. */
  payloadStore?: SpoolPayloadStore;
  client?: SQSClient;
}

export class SqsSpool implements Spool {
  readonly client: SQSClient;
  private urls: Record<QueueName, QueueUrls> | null = null;
  private readonly waitSeconds: number;
  /** queue → [time seen, createdAt] of recently received jobs, for the age estimate. */
  private readonly recentAges = new Map<QueueName, { seenAt: number; createdAt: number }>();
  private readonly claimCheck: SqsClaimCheck;
  private readonly sender: SqsSender;
  private readonly deadLetters: SqsDeadLetters;

  constructor(private readonly options: SqsSpoolOptions) {
    this.client = options.client ?? new SQSClient(clientConfig(options));
    options.counter?.instrument(this.client, 'sqs');
    this.waitSeconds = Math.min(20, Math.max(0, options.waitSeconds ?? 10));
    this.claimCheck = new SqsClaimCheck(options.payloadStore);
    this.sender = new SqsSender(this.client, this.claimCheck);
    this.deadLetters = new SqsDeadLetters(
      this.client,
      (queue, dlq) => this.url(queue, dlq),
      this.sender,
      this.claimCheck,
    );
  }

  get description(): string {
    return `sqs://${this.options.prefix}`;
  }

  queueName(queue: QueueName, dlq = false): string {
    return `${this.options.prefix}-${queue}${dlq ? '-dlq' : ''}`;
  }

  /** Resolves the queue URLs; fails naming the missing queue. */
  async init(): Promise<void> {
    this.urls = await resolveQueueUrls(
      this.client,
      (queue, dlq) => this.queueName(queue, dlq),
      this.description,
    );
  }

  /** `--create-missing` (dev and tests): creates the queues and their DLQs with the redrive policy. */
  async createQueuesIfMissing(): Promise<void> {
    await createQueuesIfMissing(this.client, (queue, dlq) => this.queueName(queue, dlq));
  }

  /** The queue's URL (after init()). */
  queueUrl(queue: QueueName, dlq = false): string {
    return this.url(queue, dlq);
  }

  private url(queue: QueueName, dlq = false): string {
    if (!this.urls) throw new Error('SqsSpool.init() was not called');
    return dlq ? this.urls[queue].dlq : this.urls[queue].main;
  }

  // --- Producing ---------------------------------------------------------------------------------

  async enqueue(queue: QueueName, id: string, payload: SpoolPayload, options?: { delaySeconds?: number }) {
    await this.enqueueMany(queue, [{ id, payload, delaySeconds: options?.delaySeconds }]);
  }

  async enqueueMany(queue: QueueName, jobs: { id: string; payload: SpoolPayload; delaySeconds?: number }[]) {
    const now = new Date().toISOString();
    const entries: { envelope: SqsEnvelope; delay: number }[] = jobs.map((job) => ({
      envelope: { v: 1, id: job.id, queue, attempts: 0, createdAt: now, payload: job.payload },
      delay: job.delaySeconds ?? 0,
    }));
    await this.sender.sendAll(this.url(queue), entries);
  }

  // --- Consuming ---------------------------------------------------------------------------------

  async receive(queue: QueueName, options: { max: number; leaseSeconds: number; owner: string }) {
    const jobs: LeasedJob[] = [];
    let wait = this.waitSeconds;
    const visibility = Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(options.leaseSeconds)));
    while (jobs.length < options.max) {
      const want = Math.min(MAX_BATCH, options.max - jobs.length);
      let messages: Message[];
      try {
        const out = await this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.url(queue),
            MaxNumberOfMessages: want,
            WaitTimeSeconds: wait,
            VisibilityTimeout: visibility,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          }),
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (jobs.length > 0) break; // keep what we have; the next poll reports the outage
        throw new StorageUnavailableError(`spool receive failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      for (const message of messages) {
        const job = await this.accept(queue, message);
        if (job) jobs.push(job);
      }
      if (messages.length < want) break;
      wait = 0;
    }
    if (jobs.length > 0) {
      const oldest = Math.min(...jobs.map((job) => job.createdAt.getTime()));
      this.recentAges.set(queue, { seenAt: Date.now(), createdAt: oldest });
    }
    return jobs;
  }

  /** A received message → a leased job; or a hop (not yet due), or a malformed body (dead-lettered). */
  private async accept(queue: QueueName, message: Message): Promise<LeasedJob | null> {
    let env: SqsEnvelope;
    try {
      env = JSON.parse(message.Body ?? '') as SqsEnvelope;
      if (env.v !== 1 || typeof env.id !== 'string') throw new Error('not a spool envelope');
    } catch (error) {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.url(queue, true),
          MessageBody: message.Body ?? '',
          MessageAttributes: { Error: { DataType: 'String', StringValue: (error as Error).message } },
        }),
      );
      await deleteQuietly(this.client, this.url(queue), message.ReceiptHandle!);
      return null;
    }
    if (env.notBefore) {
      const remaining = (Date.parse(env.notBefore) - Date.now()) / 1000;
      if (remaining > 1) {
        // Another hop: SQS cannot hold a message longer than 15 minutes.
        const { notBefore: _n, ...rest } = env;
        await this.sender.sendAll(this.url(queue), [{ envelope: rest as SqsEnvelope, delay: remaining }]);
        await deleteQuietly(this.client, this.url(queue), message.ReceiptHandle!);
        return null;
      }
    }
    return {
      id: env.id,
      queue,
      payload: await this.claimCheck.loadPayload(env),
      attempts: env.attempts,
      createdAt: new Date(env.createdAt),
      leaseToken: message.ReceiptHandle!,
      ...(env.payloadRef ? { payloadRef: env.payloadRef } : {}),
    } as LeasedJob;
  }

  async ack(job: LeasedJob): Promise<void> {
    try {
      await this.client.send(
        new DeleteMessageCommand({ QueueUrl: this.url(job.queue), ReceiptHandle: job.leaseToken }),
      );
    } catch (error) {
      if (!isStaleReceipt(error)) {
        throw new StorageUnavailableError(`spool ack failed: ${(error as Error).message}`, { cause: error });
      }
    }
    this.claimCheck.dropPayloadRef(payloadRefOf(job));
  }

  async ackMany(jobs: LeasedJob[]): Promise<void> {
    for (const queue of QUEUE_NAMES) {
      const mine = jobs.filter((job) => job.queue === queue);
      const chunks: LeasedJob[][] = [];
      for (let i = 0; i < mine.length; i += MAX_BATCH) chunks.push(mine.slice(i, i + MAX_BATCH));
      await Promise.all(
        chunks.map(async (chunk) => {
          let out;
          try {
            out = await this.client.send(
              new DeleteMessageBatchCommand({
                QueueUrl: this.url(queue),
                Entries: chunk.map((job, index) => ({ Id: String(index), ReceiptHandle: job.leaseToken })),
              }),
            );
          } catch (error) {
            throw new StorageUnavailableError(`spool ack failed: ${(error as Error).message}`, {
              cause: error,
            });
          }
          const failed = (out.Failed ?? []).filter(
            (f) => !/ReceiptHandleIsInvalid|InvalidParameterValue/.test(f.Code ?? ''),
          );
          if (failed.length > 0) {
            throw new StorageUnavailableError(
              `spool ack failed for ${failed.length} jobs: ${failed[0].Message}`,
            );
          }
        }),
      );
    }
    for (const job of jobs) this.claimCheck.dropPayloadRef(payloadRefOf(job));
  }

  async retryLater(job: LeasedJob, delaySeconds: number, error: string, payload?: SpoolPayload) {
    await this.sender.sendAll(this.url(job.queue), [
      {
        envelope: {
          v: 1,
          id: job.id,
          queue: job.queue,
          attempts: job.attempts + 1,
          createdAt: job.createdAt.toISOString(),
          lastError: error,
          payload: payload ?? job.payload,
        },
        delay: delaySeconds,
      },
    ]);
    // Sent first, then deleted: a crash in between leaves a duplicate (harmless), never a loss.
    await this.ack(job);
  }

  async deadLetter(job: LeasedJob, error: string, payload?: SpoolPayload) {
    await this.sender.sendAll(this.url(job.queue, true), [
      {
        envelope: {
          v: 1,
          id: job.id,
          queue: job.queue,
          attempts: job.attempts + 1,
          createdAt: job.createdAt.toISOString(),
          lastError: error,
          deadAt: new Date().toISOString(),
          payload: payload ?? job.payload,
        },
        delay: 0,
      },
    ]);
    await this.ack(job);
  }

  async extendLease(job: LeasedJob, seconds: number): Promise<void> {
    try {
      await this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.url(job.queue),
          ReceiptHandle: job.leaseToken,
          VisibilityTimeout: Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(seconds))),
        }),
      );
    } catch (error) {
      if (!isStaleReceipt(error)) {
        throw new StorageUnavailableError(`spool lease extension failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }

  /** Not possible on SQS (no lookup by owner): the node's leases expire after their visibility timeout. */
  async releaseLeases(_owner: string): Promise<number> {
    return 0;
  }

  // --- Operator view (dead-letter queues only) --------------------------------------------------

  list(filter: { queue?: QueueName; state?: JobState; limit?: number } = {}): Promise<JobSummary[]> {
    return this.deadLetters.list(filter);
  }

  get(id: string): Promise<JobSummary | null> {
    return this.deadLetters.get(id);
  }

  retryNow(id: string): Promise<boolean> {
    return this.deadLetters.retryNow(id);
  }

  remove(id: string): Promise<JobSummary | null> {
    return this.deadLetters.remove(id);
  }

  async depth(queue: QueueName) {
    const counts = await readQueueDepth(this.client, { main: this.url(queue), dlq: this.url(queue, true) });
    const recent = this.recentAges.get(queue);
    const oldestAgeSeconds =
      recent && Date.now() - recent.seenAt < 60_000 ? Math.round((Date.now() - recent.createdAt) / 1000) : 0;
    return { ...counts, oldestAgeSeconds };
  }

  destroy(): void {
    this.client.destroy();
  }
}

function payloadRefOf(job: LeasedJob): string | undefined {
  return (job as LeasedJob & { payloadRef?: string }).payloadRef;
}
