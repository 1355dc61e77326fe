/**
 * FETCH data that lives beside the message rather than in it, gathered once per batch:
 * OBJECTID's EMAILID and THREADID (RFC 8474; the same strings JMAP uses) and PREVIEW
 * (RFC 8970; computed the first time it is asked for without LAZY, then stored).
 */
import { emailIdOf, threadIdOf } from '../../../core/jmap/ids';
import { threadIdsOf } from '../../../core/jmap/threads';
import type { MessageRecord } from '../../../core/store/imap-view';
import { messagePreview } from '../../../core/store/message-preview';
import { MessageBytes } from '../format/body-section';
import type { ImapSession } from '../session';

export interface MessageObjects {
  /** Stored or just computed preview; null when LAZY and not computed yet. */
  preview(record: MessageRecord): string | null;
  threadOf(record: MessageRecord): number | null;
}

export async function messageObjects(
  s: ImapSession,
  records: MessageRecord[],
  need: { threads: boolean; previews: boolean },
): Promise<MessageObjects> {
  const ids = records.map((r) => r.id).filter((id): id is number => id !== undefined);
  let threads = new Map<number, number>();
  if (need.threads && ids.length > 0) {
    // Threads belong to the mailbox's owner: the account whose messages they group.
    const owner = { id: s.selected!.mailbox.account_id, address: s.account!.address };
    threads = await threadIdsOf(s.services.deps, owner, ids);
  }
  const computed = new Map<number, string>(); // by UID
  if (need.previews) {
    const store = new Map<number, string>(); // by row id (a retained expunged message has none)
    for (const record of records) {
      if (typeof record.preview === 'string' || !record.structure) continue;
      const raw = await new MessageBytes(s.services.deps.blobs, record).all();
      const preview = messagePreview(raw, record.structure);
      computed.set(record.uid, preview);
      if (record.id !== undefined) store.set(record.id, preview);
    }
    await s.services.view.storePreviews(store);
  }
  return {
    preview: (record) => record.preview ?? computed.get(record.uid) ?? null,
    threadOf: (record) => threads.get(record.id ?? 0) ?? null,
  };
}

/**
 * `EMAILID (id)` / `THREADID (id)`; THREADID is NIL only for a message without a thread. Null
 * when the row id is unknown (a retained, already expunged message): EMAILID cannot be NIL.
 */
export function objectItem(
  name: 'EMAILID' | 'THREADID',
  objects: MessageObjects,
  record: MessageRecord,
): string | null {
  if (record.id === undefined) return name === 'THREADID' ? 'THREADID NIL' : null;
  if (name === 'EMAILID') return `EMAILID (${emailIdOf(record.id)})`;
  const thread = objects.threadOf(record);
  return thread === null ? 'THREADID NIL' : `THREADID (${threadIdOf(thread)})`;
}
