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
import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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
import type { S3Location } from './s3-blob-store';

/** SQS limits. */
export const MAX_DELAY_SECONDS = 900;
export const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_BATCH = 10;
/** Keep under the 256 KiB message limit (the 1 MiB limit is not everywhere yet, nor in emulators). */
const MAX_INLINE_BYTES = 200 * 1024;

/** What the SQS message body holds. */
export interface SqsEnvelope {
  v: 1;
  id: string;
  queue: QueueName;
  attempts: number;
  createdAt: string;
  /** A delay longer than SQS allows: not to be processed before this instant (hops). */
  notBefore?: string;
  lastError?: string;
  deadAt?: string;
  payload?: SpoolPayload;
  /** Claim check for an oversized envelope: key in the spool area of the bucket. */
  payloadRef?: string;
}

export class SpoolOperationUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpoolOperationUnsupportedError';
  }
}

export interface SqsSpoolOptions extends AwsClientOptions {
  /** Queue name prefix: queues PREFIX-inbound, PREFIX-outbound, PREFIX-<queue>-dlq. */
  prefix: string;
  /** Long-poll wait of the first ReceiveMessage of a receive() (0–20 s; a drain waits at most this). */
  waitSeconds?: number;
  /** Where oversized envelopes go (claim check); without it they are refused. */
  payloadStore?: { client: S3Client; location: S3Location };
  client?: SQSClient;
}

interface QueueUrls {
  main: string;
  dlq: string;
}

/** Receive counts after which SQS moves an unanswered message to the DLQ (as in data-stack.ts). */
export const REDRIVE: Record<QueueName, { maxReceiveCount: number; visibilitySeconds: number }> = {
  inbound: { maxReceiveCount: 8, visibilitySeconds: 300 },
  outbound: { maxReceiveCount: 30, visibilitySeconds: 900 },
};

export class SqsSpool implements Spool {
  readonly client: SQSClient;
  private urls: Record<QueueName, QueueUrls> | null = null;
  private readonly waitSeconds: number;
  /** queue → [time seen, createdAt] of recently received jobs, for the age estimate. */
  private readonly recentAges = new Map<QueueName, { seenAt: number; createdAt: number }>();

  constructor(private readonly options: SqsSpoolOptions) {
    this.client = options.client ?? new SQSClient(clientConfig(options));
    options.counter?.instrument(this.client, 'sqs');
    this.waitSeconds = Math.min(20, Math.max(0, options.waitSeconds ?? 10));
  }

  get description(): string {
    return `sqs://${this.options.prefix}`;
  }

  queueName(queue: QueueName, dlq = false): string {
    return `${this.options.prefix}-${queue}${dlq ? '-dlq' : ''}`;
  }

  /** Resolves the queue URLs; fails naming the missing queue. */
  async init(): Promise<void> {
    const urls = {} as Record<QueueName, QueueUrls>;
    for (const queue of QUEUE_NAMES) {
      urls[queue] = {
        main: await this.urlOf(this.queueName(queue)),
        dlq: await this.urlOf(this.queueName(queue, true)),
      };
    }
    this.urls = urls;
  }

  private async urlOf(name: string): Promise<string> {
    try {
      const out = await this.client.send(new GetQueueUrlCommand({ QueueName: name }));
      return out.QueueUrl!;
    } catch (error) {
      const e = error as Error;
      if (/NonExistentQueue|QueueDoesNotExist/.test(`${e.name} ${e.message}`)) {
        throw new Error(
          `invalid setting spool: SQS queue ${name} does not exist (NIMBUS_SPOOL=${this.description})`,
        );
      }
      throw new StorageUnavailableError(`SQS unavailable resolving ${name}: ${e.message}`, { cause: error });
    }
  }

  /** `--create-missing` (dev and tests): creates the queues and their DLQs with the redrive policy. */
  async createQueuesIfMissing(): Promise<void> {
    for (const queue of QUEUE_NAMES) {
      const dlq = await this.client.send(
        new CreateQueueCommand({
          QueueName: this.queueName(queue, true),
          Attributes: { MessageRetentionPeriod: '1209600' },
        }),
      );
      const attrs = await this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }),
      );
      await this.client.send(
        new CreateQueueCommand({
          QueueName: this.queueName(queue),
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
    await this.sendAll(this.url(queue), entries);
  }

  /** Sends envelopes in batches of ≤ 10 entries and ≤ 200 KiB; failed entries are retried, then it throws. */
  private async sendAll(queueUrl: string, items: { envelope: SqsEnvelope; delay: number }[]): Promise<void> {
    const prepared: SendMessageBatchRequestEntry[] = [];
    for (const [index, item] of items.entries()) prepared.push(await this.entry(String(index), item));
    const batches: SendMessageBatchRequestEntry[][] = [];
    let current: SendMessageBatchRequestEntry[] = [];
    let bytes = 0;
    for (const entry of prepared) {
      const size = Buffer.byteLength(entry.MessageBody!);
      if (current.length === MAX_BATCH || (current.length > 0 && bytes + size > MAX_INLINE_BYTES)) {
        batches.push(current);
        current = [];
        bytes = 0;
      }
      current.push(entry);
      bytes += size;
    }
    if (current.length > 0) batches.push(current);
    await Promise.all(batches.map((batch) => this.sendBatch(queueUrl, batch)));
  }

  private async sendBatch(queueUrl: string, batch: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let failed: { Id?: string; Message?: string; SenderFault?: boolean }[];
      try {
        if (pending.length === 1) {
          const [entry] = pending;
          await this.client.send(
            new SendMessageCommand({
              QueueUrl: queueUrl,
              MessageBody: entry.MessageBody,
              DelaySeconds: entry.DelaySeconds,
              MessageAttributes: entry.MessageAttributes,
            }),
          );
          failed = [];
        } else {
          const out = await this.client.send(
            new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }),
          );
          failed = out.Failed ?? [];
        }
      } catch (error) {
        throw new StorageUnavailableError(`spool enqueue failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (failed.length === 0) return;
      if (failed.some((f) => f.SenderFault) || attempt >= 4) {
        throw new StorageUnavailableError(
          `spool enqueue failed for ${failed.length} of ${batch.length} jobs: ${failed[0].Message ?? 'unknown'}`,
        );
      }
      const ids = new Set(failed.map((f) => f.Id));
      pending = pending.filter((entry) => ids.has(entry.Id));
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }

  private async entry(
    entryId: string,
    { envelope, delay }: { envelope: SqsEnvelope; delay: number },
  ): Promise<SendMessageBatchRequestEntry> {
    let env = envelope;
    if (delay > MAX_DELAY_SECONDS)
      env = { ...env, notBefore: new Date(Date.now() + delay * 1000).toISOString() };
    let body = JSON.stringify(env);
    if (Buffer.byteLength(body) > MAX_INLINE_BYTES) body = JSON.stringify(await this.offload(env));
    return {
      Id: entryId,
      MessageBody: body,
      DelaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.ceil(delay))),
      MessageAttributes: {
        JobId: { DataType: 'String', StringValue: env.id },
        Attempts: { DataType: 'Number', StringValue: String(env.attempts) },
      },
    };
  }

  private async offload(env: SqsEnvelope): Promise<SqsEnvelope> {
    const store = this.options.payloadStore;
    if (!store) {
      throw new StorageUnavailableError(
        `spool job ${env.id} is too large for SQS and NIMBUS_SPOOL_BLOBS is not set`,
      );
    }
    const key = `${store.location.prefix ? store.location.prefix + '/' : ''}${env.id}/${randomUUID()}.json`;
    await store.client.send(
      new PutObjectCommand({
        Bucket: store.location.bucket,
        Key: key,
        Body: JSON.stringify(env.payload),
        ContentType: 'application/json',
        ServerSideEncryption: 'AES256',
      }),
    );
    const { payload: _payload, ...rest } = env;
    return { ...rest, payloadRef: key };
  }

  private async loadPayload(env: SqsEnvelope): Promise<SpoolPayload> {
    if (env.payload) return env.payload;
    const store = this.options.payloadStore;
    if (!env.payloadRef || !store) throw new Error(`spool job ${env.id} has no payload`);
    const out = await store.client.send(
      new GetObjectCommand({ Bucket: store.location.bucket, Key: env.payloadRef }),
    );
    return JSON.parse(await out.Body!.transformToString()) as SpoolPayload;
  }

  private dropPayloadRef(ref: string | undefined): void {
    const store = this.options.payloadStore;
    if (!ref || !store) return;
    // Best effort: the lifecycle rule on the spool area removes what is left behind.
    void store.client
      .send(new DeleteObjectCommand({ Bucket: store.location.bucket, Key: ref }))
      .catch(() => undefined);
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
      await this.deleteQuietly(this.url(queue), message.ReceiptHandle!);
      return null;
    }
    if (env.notBefore) {
      const remaining = (Date.parse(env.notBefore) - Date.now()) / 1000;
      if (remaining > 1) {
        // Another hop: SQS cannot hold a message longer than 15 minutes.
        const { notBefore: _n, ...rest } = env;
        await this.sendAll(this.url(queue), [{ envelope: rest as SqsEnvelope, delay: remaining }]);
        await this.deleteQuietly(this.url(queue), message.ReceiptHandle!);
        return null;
      }
    }
    return {
      id: env.id,
      queue,
      payload: await this.loadPayload(env),
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
    this.dropPayloadRef(payloadRefOf(job));
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
    for (const job of jobs) this.dropPayloadRef(payloadRefOf(job));
  }

  async retryLater(job: LeasedJob, delaySeconds: number, error: string, payload?: SpoolPayload) {
    await this.sendAll(this.url(job.queue), [
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
    await this.sendAll(this.url(job.queue, true), [
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
    await this.sendAll(this.url(found.queue), [{ envelope: rest as SqsEnvelope, delay: 0 }]);
    await this.deleteQuietly(this.url(found.queue, true), found.message.ReceiptHandle!);
    return true;
  }

  async remove(id: string): Promise<JobSummary | null> {
    const found = await this.findDead(id);
    if (!found) return null;
    await this.deleteQuietly(this.url(found.queue, true), found.message.ReceiptHandle!);
    return found.summary;
  }

  async depth(queue: QueueName) {
    const [main, dlq] = await Promise.all([
      this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.url(queue),
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      ),
      this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.url(queue, true),
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      ),
    ]);
    const n = (attrs: Record<string, string> | undefined, name: string) => Number(attrs?.[name] ?? 0);
    const recent = this.recentAges.get(queue);
    const oldestAgeSeconds =
      recent && Date.now() - recent.seenAt < 60_000 ? Math.round((Date.now() - recent.createdAt) / 1000) : 0;
    return {
      ready:
        n(main.Attributes, 'ApproximateNumberOfMessages') +
        n(main.Attributes, 'ApproximateNumberOfMessagesDelayed'),
      leased: n(main.Attributes, 'ApproximateNumberOfMessagesNotVisible'),
      dead:
        n(dlq.Attributes, 'ApproximateNumberOfMessages') +
        n(dlq.Attributes, 'ApproximateNumberOfMessagesNotVisible'),
      oldestAgeSeconds,
    };
  }

  /**
   * Reads up to `limit` DLQ messages, holding each invisible for 30 s so one pass sees each once.
   * The caller releases (visibility 0) or deletes them.
   */
  private async peekDeadLetters(
    queue: QueueName,
    limit: number,
    stopAt?: (env: SqsEnvelope) => boolean,
  ): Promise<{ message: Message; summary: JobSummary; env: SqsEnvelope }[]> {
    const out: { message: Message; summary: JobSummary; env: SqsEnvelope }[] = [];
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
      payload = await this.loadPayload(env);
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

  private async deleteQuietly(queueUrl: string, receiptHandle: string): Promise<void> {
    try {
      await this.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
    } catch (error) {
      if (!isStaleReceipt(error))
        throw new StorageUnavailableError(`spool delete failed: ${(error as Error).message}`, {
          cause: error,
        });
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}

function payloadRefOf(job: LeasedJob): string | undefined {
  return (job as LeasedJob & { payloadRef?: string }).payloadRef;
}

function isStaleReceipt(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return /ReceiptHandleIsInvalid|InvalidParameterValue|MessageNotInflight/.test(`${e.name} ${e.message}`);
}
