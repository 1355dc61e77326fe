/**
 * Sending spool envelopes to SQS: SendMessageBatch (10 entries and ≤ 200 KiB per call), delays
 * above SQS's 15-minute maximum carried as `notBefore` (hops), oversized envelopes claim-checked.
 */
import {
  SendMessageBatchCommand,
  SendMessageCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { StorageUnavailableError } from '../../ports/sql';
import type { SqsClaimCheck } from './sqs-claim-check';
import { MAX_BATCH, MAX_DELAY_SECONDS, MAX_INLINE_BYTES, type SqsEnvelope } from './sqs-envelope';

export interface OutgoingEnvelope {
  envelope: SqsEnvelope;
  delay: number;
}

export class SqsSender {
  constructor(
    private readonly client: SQSClient,
    private readonly claimCheck: SqsClaimCheck,
  ) {}

  /** Sends envelopes in batches of ≤ 10 entries and ≤ 200 KiB; failed entries are retried, then it throws. */
  async sendAll(queueUrl: string, items: OutgoingEnvelope[]): Promise<void> {
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
    { envelope, delay }: OutgoingEnvelope,
  ): Promise<SendMessageBatchRequestEntry> {
    let env = envelope;
    if (delay > MAX_DELAY_SECONDS)
      env = { ...env, notBefore: new Date(Date.now() + delay * 1000).toISOString() };
    let body = JSON.stringify(env);
    if (Buffer.byteLength(body) > MAX_INLINE_BYTES) body = JSON.stringify(await this.claimCheck.offload(env));
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
}
