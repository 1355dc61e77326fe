import type { BlobStore } from '../ports/blob-store';
import type { Spool, SpoolPayload, SpoolRecipient } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import { newQueueId } from '../spool/queue-id';
import { acquireBlob, ensureStored, releaseBlob } from '../store/blob-refs';

export interface AcceptInput {
  data: Buffer;
  mailFrom: string;
  recipients: SpoolRecipient[];
  client?: { address: string; helo?: string };
  authenticatedAs?: string;
  dsn?: SpoolPayload['dsn'];
  queueId?: string;
}

/**
 * The accept step of every SMTP transaction: bytes into the blob store, a reference in SQL, a job
 * in the spool. It resolves only when all three are durable, so the caller may then answer 250.
 */
export class MessageAcceptor {
  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobStore,
    private readonly spool: Spool,
    private readonly onAccepted: () => void = () => undefined,
  ) {}

  async accept(input: AcceptInput): Promise<{ queueId: string }> {
    const queueId = input.queueId ?? newQueueId();
    const blob = await this.blobs.put(input.data);
    await this.db.transaction((tx) => acquireBlob(tx, blob.key, blob.size));
    try {
      await ensureStored(this.blobs, blob.key, input.data);
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
      await this.spool.enqueue('inbound', queueId, payload);
    } catch (error) {
      // Not accepted: give the reference back (best effort; the collector's grace period covers a miss).
      await this.db.transaction((tx) => releaseBlob(tx, blob.key)).catch(() => undefined);
      throw error;
    }
    this.onAccepted();
    return { queueId };
  }
}
