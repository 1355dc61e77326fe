/**
 * FETCH of messages this session still shows but another session (or JMAP, POP3) has expunged:
 * until the session may report the expunge (RFC 9051 §7.5.2), it keeps serving the message from
 * the data retained at expunge time (core/store/expunge-retention.ts) instead of answering
 * NO [EXPUNGEISSUED]. Flags are the last known ones; nothing is changed (no \Seen).
 */
import { retainedMessages } from '../../core/store/expunge-retention';
import type { MessageRecord } from '../../core/store/imap-view';
import type { ImapSession } from './session';

/**
 * `records` (the live rows for `batch`) completed with the retained data of the UIDs that were
 * not found; `missing` is true when some are gone for good (retention over).
 */
export async function withRetained(
  s: ImapSession,
  mailboxId: number,
  batch: number[],
  records: MessageRecord[],
): Promise<{ records: MessageRecord[]; missing: boolean }> {
  const live = new Set(records.map((r) => r.uid));
  const absent = batch.filter((uid) => !live.has(uid));
  if (absent.length === 0) return { records, missing: false };
  const kept = await retainedMessages(s.services.deps.db, mailboxId, absent);
  const merged = [...records, ...kept].sort((a, b) => a.uid - b.uid);
  return { records: merged, missing: kept.length < absent.length };
}
