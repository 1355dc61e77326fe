import type { BlobInfo, BlobStore } from '../ports/blob-store';
import type { Spool, SpoolPayload, SpoolRecipient } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import { newQueueId } from '../spool/queue-id';
import { acquireBlobs, ensureStored } from '../store/blob-refs';

export interface AcceptInput {
  data: Buffer;
  mailFrom: string;
  recipients: SpoolRecipient[];
  client?: { address: string; helo?: string };
  authenticatedAs?: string;
  dsn?: SpoolPayload['dsn'];
  queueId?: string;
}

interface Pending {
  blob: BlobInfo;
  data: Buffer;
  payload: SpoolPayload;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 200;

/**
 * The accept step of every SMTP transaction: bytes into the blob store, a reference in SQL, a job
 * in the spool. It resolves only when all three are durable, so the caller may then answer 250.
 * Concurrent accepts are committed together (group commit): while one batch is being written the
 * next one gathers, so the database sees a few statements per batch rather than per message.
 */
export class MessageAcceptor {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobStore,
    private readonly spool: Spool,
    private readonly onAccepted: () => void = () => undefined,
  ) {}

  async accept(input: AcceptInput): Promise<{ queueId: string }> {
    const queueId = input.queueId ?? newQueueId();
    const blob = await this.blobs.put(input.data);
    const payload: SpoolPayload = {
      queueId,
      blobKey: blob.key,
      size: blob.size,
      mailFrom: input.mailFrom,
      recipients: input.recipients,
      receivedAt: new Date().toISOString(),
      client: input.client,
      authenticatedAs: input.authenticatedAs,
      dsn: input.dsn,
    };
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ blob, data: input.data, payload, resolve, reject });
      this.kick();
    });
    this.onAccepted();
    return { queueId };
  }

  private kick(): void {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.queue.splice(0, MAX_BATCH);
    void this.flush(batch).finally(() => {
      this.flushing = false;
      this.kick();
    });
  }

  private async flush(batch: Pending[]): Promise<void> {
    const refs = new Map<string, { key: string; size: number; count: number }>();
    for (const { blob } of batch) {
      const ref = refs.get(blob.key) ?? { key: blob.key, size: blob.size, count: 0 };
      ref.count++;
      refs.set(blob.key, ref);
    }
    try {
      await this.db.transaction((tx) => acquireBlobs(tx, [...refs.values()]));
    } catch (error) {
      batch.forEach((p) => p.reject(error));
      return;
    }
    try {
      await Promise.all(batch.map((p) => ensureStored(this.blobs, p.blob.key, p.data)));
      await this.spool.enqueueMany(
        'inbound',
        batch.map((p) => ({ id: p.payload.queueId, payload: p.payload })),
      );
    } catch (error) {
      // Not accepted: give the references back — through the once-per-queue-id record that delivery
      // uses, because some of these jobs may have reached the queue all the same (an SQS batch that
      // failed part-way, a commit whose reply was lost): their delivery must not release again.
      await this.db
        .query(
          `WITH released AS (
             INSERT INTO deliveries (queue_id, recipient)
             SELECT q, '#spool-reference' FROM unnest($1::text[]) AS q ON CONFLICT DO NOTHING RETURNING queue_id),
           counts AS (
             SELECT x.k AS key, count(*)::int AS n FROM unnest($1::text[], $2::text[]) AS x(q, k)
             JOIN released r ON r.queue_id = x.q GROUP BY x.k)
           UPDATE blobs b SET refcount = b.refcount - c.n, updated_at = now() FROM counts c WHERE b.key = c.key`,
          [batch.map((p) => p.payload.queueId), batch.map((p) => p.blob.key)],
        )
        .catch(() => undefined);
      batch.forEach((p) => p.reject(error));
      return;
    }
    batch.forEach((p) => p.resolve());
  }
}
