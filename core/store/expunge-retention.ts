/**
 * Expunge retention: an expunged message stays readable for a while, so that IMAP sessions that
 * have not been told about the expunge yet (RFC 9051 §7.5.2 forbids EXPUNGE during FETCH, STORE
 * and SEARCH) can still FETCH it instead of getting NO [EXPUNGEISSUED].
 *
 * At expunge time, inside the expunging transaction and before the row is deleted:
 * - the row's data (flags as last known, dates, size, blob key, header prefix, structure) is
 *   copied to `expunged_messages`, readable until `retained_until`;
 * - one more reference is taken on its blob and recorded in `expunge_blob_holds` (no foreign key,
 *   so deleting the mailbox or account cannot lose it).
 * The delete path then releases the message's own reference and the quota as before, so quota is
 * freed at expunge time. Maintenance (`releaseExpiredHolds`) later drops the holds and clears the
 * copied data; the blob collector's own grace period covers a FETCH that read the row just
 * before `retained_until`. The default retention outlasts the IMAP autologout (31 minutes), so a
 * session that has not been told within it has been logged out.
 */
import type { MessageStructure } from '../mime';
import type { SqlDatabase, SqlExecutor } from '../ports/sql';
import { acquireMessageBlobs, releaseBlobs } from './blob-refs';
import type { MessageRecord } from './imap-view';

/** How long expunged messages stay readable (seconds). */
export const EXPUNGE_RETENTION_SECONDS = 3600;

const uidArray = (uids: number[]): string => `{${uids.join(',')}}`;

/**
 * Records `uids` of `mailboxId` as expunged at `modseq` with their data, and holds their blobs.
 * Call inside the expunging transaction, before the rows are deleted (or moved away).
 */
export async function retainExpunged(
  tx: SqlExecutor,
  mailboxId: number,
  uids: number[],
  modseq: number,
  retentionSeconds = EXPUNGE_RETENTION_SECONDS,
): Promise<void> {
  if (uids.length === 0) return;
  const params = [mailboxId, uidArray(uids), modseq, retentionSeconds];
  await tx.query(
    `INSERT INTO expunged_messages
       (mailbox_id, uid, modseq, flags, last_modseq, internal_date, size, blob_key, header_prefix, structure,
        retained_until)
     SELECT mailbox_id, uid, $3, flags, modseq, internal_date, size, blob_key, header_prefix, structure,
            now() + make_interval(secs => $4)
     FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[])
     ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = EXCLUDED.modseq, flags = EXCLUDED.flags,
       last_modseq = EXCLUDED.last_modseq,
       internal_date = EXCLUDED.internal_date, size = EXCLUDED.size, blob_key = EXCLUDED.blob_key,
       header_prefix = EXCLUDED.header_prefix, structure = EXCLUDED.structure,
       retained_until = EXCLUDED.retained_until`,
    params,
  );
  await tx.query(
    `INSERT INTO expunge_blob_holds (blob_key, held_until)
     SELECT blob_key, now() + make_interval(secs => $3)
     FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[])`,
    [mailboxId, uidArray(uids), retentionSeconds],
  );
  await acquireMessageBlobs(tx, mailboxId, uids);
}

/**
 * Maintenance: releases blob holds whose time has passed and clears the retained data of their
 * messages (the QRESYNC record itself stays). Returns the number of holds released.
 */
export async function releaseExpiredHolds(db: SqlDatabase, batch = 5000): Promise<number> {
  return db.transaction(async (tx) => {
    const gone = await tx.query<{ blob_key: string; n: number }>(
      `WITH gone AS (
         DELETE FROM expunge_blob_holds WHERE id IN (
           SELECT id FROM expunge_blob_holds WHERE held_until <= now() ORDER BY id LIMIT $1)
         RETURNING blob_key)
       SELECT blob_key, count(*)::int AS n FROM gone GROUP BY blob_key`,
      [batch],
    );
    await releaseBlobs(
      tx,
      gone.rows.map((r) => ({ key: r.blob_key, count: Number(r.n) })),
    );
    await tx.query(
      `UPDATE expunged_messages SET flags = NULL, last_modseq = NULL, internal_date = NULL, size = NULL, blob_key = NULL,
              header_prefix = NULL, structure = NULL, retained_until = NULL
       WHERE retained_until IS NOT NULL AND retained_until <= now()`,
    );
    return gone.rows.reduce((sum, r) => sum + Number(r.n), 0);
  });
}

/**
 * Retained data of expunged `uids` (ascending), as FETCH reads messages; only those still within
 * their retention. Flags are the last known ones.
 */
export async function retainedMessages(
  db: SqlExecutor,
  mailboxId: number,
  uids: number[],
): Promise<MessageRecord[]> {
  if (uids.length === 0) return [];
  const result = await db.query<{
    uid: string;
    flags: string[];
    last_modseq: string;
    internal_date: string;
    size: string;
    structure: unknown;
    blob_key: string;
    header_prefix: unknown;
  }>(
    `SELECT uid, flags, last_modseq, internal_date, size, structure, blob_key, header_prefix
     FROM expunged_messages
     WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) AND blob_key IS NOT NULL AND retained_until > now()
     ORDER BY uid`,
    [mailboxId, uidArray(uids)],
  );
  return result.rows.map((row) => ({
    uid: Number(row.uid),
    flags: row.flags,
    modseq: Number(row.last_modseq),
    internalDate: new Date(row.internal_date),
    size: Number(row.size),
    structure: (typeof row.structure === 'string'
      ? JSON.parse(row.structure)
      : row.structure) as MessageStructure,
    blobKey: row.blob_key,
    headerPrefix: bytea(row.header_prefix),
  }));
}

/** Last known flags and MODSEQ of expunged `uids` still within their retention. */
export async function retainedFlags(
  db: SqlExecutor,
  mailboxId: number,
  uids: number[],
): Promise<{ uid: number; flags: string[]; modseq: number }[]> {
  if (uids.length === 0) return [];
  const result = await db.query<{ uid: string; flags: string[]; last_modseq: string }>(
    `SELECT uid, flags, last_modseq FROM expunged_messages
     WHERE mailbox_id = $1 AND uid = ANY($2::bigint[]) AND flags IS NOT NULL AND retained_until > now()
     ORDER BY uid`,
    [mailboxId, uidArray(uids)],
  );
  return result.rows.map((r) => ({ uid: Number(r.uid), flags: r.flags, modseq: Number(r.last_modseq) }));
}

/** A BYTEA cell: a Buffer from pg/PGlite, `\x…` hex text from the Data API. */
function bytea(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string' && value.startsWith('\\x')) return Buffer.from(value.slice(2), 'hex');
  return Buffer.alloc(0);
}
