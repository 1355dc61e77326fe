import type { BlobStore } from '../ports/blob-store';
import type { Spool, SpoolPayload, SpoolRecipient } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import { newQueueId } from '../spool/queue-id';
import { acquireBlobs, ensureStored } from '../store/blob-refs';
import { commitAcceptBatch, giveBackReferences, spoolStoresIn, type AcceptedBlob } from './accept-batch';

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
  blob: AcceptedBlob;
  payload: SpoolPayload;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 200;

/** The spool job of an accepted message: its envelope, the blob it is stored in, now as arrival. */
export function acceptedPayload(
  input: AcceptInput,
  queueId: string,
  blob: { key: string; size: number },
): SpoolPayload {
  return {
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
}

/**
 * The accept step of every SMTP transaction: bytes into the blob store, a reference in SQL, a job
 * in the spool. It resolves only when all three are durable, so the caller may then answer 250.
 * Concurrent accepts are committed together (group commit): while one batch is being written the
 * next one gathers, so the database sees a few statements per batch rather than per message. With
 * the SQL spool a batch is one commit (accept-batch.ts); with SQS the references commit first.
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
    const payload = acceptedPayload(input, queueId, blob);
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ blob: { ...blob, data: input.data }, payload, resolve, reject });
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
    try {
      if (spoolStoresIn(this.spool, this.db)) await this.commitOnce(batch);
      else await this.acquireThenEnqueue(batch);
    } catch (error) {
      batch.forEach((p) => p.reject(error));
      return;
    }
    batch.forEach((p) => p.resolve());
  }

  /** The SQL spool: references and jobs in one commit. */
  private async commitOnce(batch: Pending[]): Promise<void> {
    try {
      await commitAcceptBatch(this.db, this.blobs, 'inbound', batch);
    } catch (error) {
      // Rolled back: nothing to give back, unless the commit happened and only its reply was lost
      // (then the jobs are in the spool, and their references are given back once).
      await this.giveBack(batch, true);
      throw error;
    }
  }

  /** Another spool (SQS): the references commit first, then the jobs go to the queue. */
  private async acquireThenEnqueue(batch: Pending[]): Promise<void> {
    const refs = new Map<string, { key: string; size: number; count: number }>();
    for (const { blob } of batch) {
      const ref = refs.get(blob.key) ?? { key: blob.key, size: blob.size, count: 0 };
      ref.count++;
      refs.set(blob.key, ref);
    }
    await this.db.transaction((tx) => acquireBlobs(tx, [...refs.values()]));
    try {
      await Promise.all(batch.map((p) => ensureStored(this.blobs, p.blob.key, p.blob.data)));
      await this.spool.enqueueMany(
        'inbound',
        batch.map((p) => ({ id: p.payload.queueId, payload: p.payload })),
      );
    } catch (error) {
      // Some of these jobs may have reached the queue all the same (an SQS batch that failed
      // part-way): the once-per-queue-id record keeps their delivery from releasing again.
      await this.giveBack(batch, false);
      throw error;
    }
  }

  private async giveBack(batch: Pending[], onlyQueued: boolean): Promise<void> {
    await giveBackReferences(
      this.db,
      batch.map((p) => ({ queueId: p.payload.queueId, blobKey: p.blob.key })),
      { onlyQueued },
    ).catch(() => undefined);
  }
}
