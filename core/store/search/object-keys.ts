/**
 * SEARCH keys on per-message object data: OBJECTID EMAILID/THREADID (RFC 8474 §6) and
 * SAVEDATE's SAVEDBEFORE/SAVEDON/SAVEDSINCE (RFC 8514 §4). Ids are row ids (JMAP's ids
 * parsed); null is a well-formed id of nothing, which matches no message.
 */
import type { SqlExecutor } from '../../ports/sql';

export type ObjectSearchKey =
  | { op: 'emailid'; id: number | null }
  | { op: 'threadid'; id: number | null }
  | { op: 'saved'; cmp: 'before' | 'on' | 'since'; date: Date };

/** The fields these keys read, filled by SearchEngine.rows when needed. */
export interface ObjectFields {
  id: number;
  savedAt?: Date;
  threadId?: number | null;
}

/** Assigns JMAP threads to the messages that have none yet (see core/jmap/threads.ts). */
export type ThreadAssigner = (mailboxId: number, messageIds: number[]) => Promise<void>;

export interface ObjectNeeds {
  saved: boolean;
  threads: boolean;
}

type Tree = { op: string; keys?: Tree[]; left?: Tree; right?: Tree; key?: Tree };

export function objectNeeds(key: Tree, out: ObjectNeeds = { saved: false, threads: false }): ObjectNeeds {
  if (key.op === 'saved') out.saved = true;
  if (key.op === 'threadid') out.threads = true;
  for (const child of [...(key.keys ?? []), key.left, key.right, key.key]) if (child) objectNeeds(child, out);
  return out;
}

/** SAVED* compare the calendar day of the save date, ignoring time and zone, like BEFORE/ON/SINCE. */
export function evaluateObjectKey(key: ObjectSearchKey, row: ObjectFields): boolean {
  switch (key.op) {
    case 'emailid':
      return row.id === key.id;
    case 'threadid':
      return key.id !== null && row.threadId === key.id;
    case 'saved': {
      if (!row.savedAt) return false;
      const d = row.savedAt;
      const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      const target = key.date.getTime();
      if (key.cmp === 'before') return day < target;
      if (key.cmp === 'on') return day === target;
      return day >= target;
    }
  }
}

/** Thread ids of `ids` (row id → thread id) from jmap_threads, after assigning missing ones. */
export async function threadIdsFor(
  db: SqlExecutor,
  mailboxId: number,
  ids: number[],
  assign: ThreadAssigner | undefined,
): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  if (assign) await assign(mailboxId, ids);
  const result = await db.query<{ message_id: string; thread_id: string }>(
    `SELECT message_id, thread_id FROM jmap_threads WHERE message_id = ANY($1::bigint[])`,
    [`{${ids.join(',')}}`],
  );
  return new Map(result.rows.map((r) => [Number(r.message_id), Number(r.thread_id)]));
}

/**
 * Sizes as IMAP serves them (RFC822.SIZE) for the messages among `uids` that have binary parts
 * (uid → size); LARGER/SMALLER and SORT SIZE use them. The partial index of migration 61 limits
 * this to those few messages.
 */
export async function servedSizes(
  db: SqlExecutor,
  mailboxId: number,
  uids: number[],
): Promise<Map<number, number>> {
  if (uids.length === 0) return new Map();
  const result = await db.query<{ uid: string; size: string }>(
    `SELECT uid, (structure->'converted'->>'size')::bigint AS size FROM messages
     WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) AND structure ? 'converted'`,
    [mailboxId, `{${uids.join(',')}}`],
  );
  return new Map(result.rows.map((r) => [Number(r.uid), Number(r.size)]));
}
