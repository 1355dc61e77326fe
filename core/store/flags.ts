/**
 * STORE: flag changes with CONDSTORE (RFC 7162) semantics. One MODSEQ per command, assigned
 * under the mailbox row lock; UNCHANGEDSINCE failures are reported, not applied.
 */
import type { MailboxEvents } from '../ports/events';
import type { SqlDatabase } from '../ports/sql';

export interface FlagUpdate {
  uid: number;
  flags: string[];
  modseq: number;
}

export interface StoreResult {
  updated: FlagUpdate[];
  /** UIDs that failed UNCHANGEDSINCE. */
  modified: number[];
  /** UIDs that exist but needed no change (reported with their current flags when not silent). */
  unchanged: FlagUpdate[];
}

const SEEN = '\\Seen';

function apply(
  op: 'add' | 'remove' | 'replace',
  current: string[],
  flags: string[],
  fixed?: (flag: string) => boolean,
): string[] {
  // Flags the user may not change (ACL rights, RFC 4314 §4) survive a replacement.
  if (op === 'replace') return [...new Set([...(fixed ? current.filter(fixed) : []), ...flags])];
  if (op === 'add') {
    const out = [...current];
    const lower = new Set(current.map((f) => f.toLowerCase()));
    for (const f of flags) {
      if (lower.has(f.toLowerCase())) continue;
      out.push(f);
      lower.add(f.toLowerCase());
    }
    return out;
  }
  const remove = new Set(flags.map((f) => f.toLowerCase()));
  return current.filter((f) => !remove.has(f.toLowerCase()));
}

function sameSet(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a.map((f) => f.toLowerCase()));
  return b.every((f) => set.has(f.toLowerCase()));
}

export async function storeFlags(
  db: SqlDatabase,
  events: MailboxEvents,
  input: {
    accountId: number;
    mailboxId: number;
    uids: number[];
    op: 'add' | 'remove' | 'replace';
    flags: string[];
    unchangedSince?: number | null;
    /** Flags this user may not change: kept as they are by a replacing STORE. */
    fixed?: (flag: string) => boolean;
  },
): Promise<StoreResult> {
  const result: StoreResult = { updated: [], modified: [], unchanged: [] };
  if (input.uids.length === 0) return result;
  if (input.op === 'replace' && input.fixed) await storeInTransaction(db, input, result);
  else await storeInOneCall(db, input, result);
  if (result.updated.length > 0) {
    await events.publish({
      accountId: input.accountId,
      mailboxId: input.mailboxId,
      kind: 'flags',
      modseq: result.updated[0].modseq,
    });
  }
  return result;
}

type StoreInput = Parameters<typeof storeFlags>[2];

/** The whole STORE in one statement: imap_store_flags (migrations-imap-fast.ts). */
async function storeInOneCall(db: SqlDatabase, input: StoreInput, result: StoreResult): Promise<void> {
  const rows = await db.query<{
    out_uid: string;
    out_flags: string[];
    out_modseq: string;
    out_outcome: string;
  }>(
    `SELECT out_uid, out_flags, out_modseq, out_outcome
     FROM imap_store_flags($1::bigint, $2::bigint[], $3::text, $4::text[], $5::bigint)`,
    [input.mailboxId, `{${input.uids.join(',')}}`, input.op, input.flags, input.unchangedSince ?? null],
  );
  for (const row of rows.rows) {
    const uid = Number(row.out_uid);
    const update = { uid, flags: row.out_flags, modseq: Number(row.out_modseq) };
    if (row.out_outcome === 'modified') result.modified.push(uid);
    else if (row.out_outcome === 'unchanged') result.unchanged.push(update);
    else result.updated.push(update);
  }
}

/** A replacing STORE that must keep ACL-fixed flags: the rows are read and written from here. */
async function storeInTransaction(db: SqlDatabase, input: StoreInput, result: StoreResult): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT id FROM mailboxes WHERE id = $1 FOR UPDATE`, [input.mailboxId]);
    const rows = await tx.query<{ id: string; uid: string; flags: string[]; modseq: string }>(
      `SELECT id, uid, flags, modseq FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) ORDER BY uid`,
      [input.mailboxId, `{${input.uids.join(',')}}`],
    );
    const changes: { id: number; uid: number; flags: string[]; seenDelta: number }[] = [];
    for (const row of rows.rows) {
      const uid = Number(row.uid);
      const modseq = Number(row.modseq);
      if (
        input.unchangedSince !== undefined &&
        input.unchangedSince !== null &&
        modseq > input.unchangedSince
      ) {
        result.modified.push(uid);
        continue;
      }
      const next = apply(input.op, row.flags, input.flags, input.fixed);
      if (sameSet(next, row.flags)) {
        result.unchanged.push({ uid, flags: row.flags, modseq });
        continue;
      }
      const wasSeen = row.flags.includes(SEEN);
      const isSeen = next.includes(SEEN);
      changes.push({
        id: Number(row.id),
        uid,
        flags: next,
        seenDelta: wasSeen === isSeen ? 0 : isSeen ? -1 : 1,
      });
    }
    if (changes.length === 0) return;
    const unseenDelta = changes.reduce((n, c) => n + c.seenDelta, 0);
    const bumped = await tx.query<{ highestmodseq: string }>(
      `UPDATE mailboxes SET highestmodseq = highestmodseq + 1, unseen_count = unseen_count + $2
       WHERE id = $1 RETURNING highestmodseq`,
      [input.mailboxId, unseenDelta],
    );
    const modseq = Number(bumped.rows[0].highestmodseq);
    // One statement for the batch: ids and their new flag arrays, side by side.
    await tx.query(
      `UPDATE messages m SET flags = ARRAY(SELECT json_array_elements_text(x.f::json)), modseq = $3
       FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::text[]) AS f) x WHERE m.id = x.id`,
      [`{${changes.map((c) => c.id).join(',')}}`, changes.map((c) => JSON.stringify(c.flags)), modseq],
    );
    for (const c of changes) result.updated.push({ uid: c.uid, flags: c.flags, modseq });
  });
}
