/**
 * The submission path of a held account: the message is stored like any accepted one (blob,
 * reference) but its job goes to held_mail (reason 'account', queue 'inbound', where the
 * delivery role would have routed it) instead of the spool. Release hands it to the spool as it
 * was; purge drops the blob reference.
 */
import { acceptedPayload, type AcceptInput } from '../delivery/message-acceptor';
import type { BlobStore } from '../ports/blob-store';
import type { SqlDatabase } from '../ports/sql';
import { HeldMail } from '../spool/held-mail';
import { acquireBlob, ensureStored } from '../store/blob-refs';
import { newQueueId } from '../spool/queue-id';

export class HeldSubmissions {
  constructor(
    private readonly db: SqlDatabase,
    private readonly blobs: BlobStore,
  ) {}

  /** Durable before it resolves (the caller may then answer 250). */
  async hold(input: AcceptInput, account: string, note: string): Promise<{ queueId: string }> {
    const queueId = input.queueId ?? newQueueId();
    const blob = await this.blobs.put(input.data);
    const payload = acceptedPayload(input, queueId, blob);
    await this.db.transaction(async (tx) => {
      await acquireBlob(tx, blob.key, blob.size);
      await new HeldMail(tx).hold({
        id: queueId,
        queue: 'inbound',
        payload,
        reason: 'account',
        domain: null,
        account: account.toLowerCase(),
        note,
      });
    });
    await ensureStored(this.blobs, blob.key, input.data);
    return { queueId };
  }
}
