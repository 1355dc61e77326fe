/**
 * Read side of a selected IMAP mailbox: the UID list, \Recent claims, message rows for FETCH
 * (one query per batch, only the columns asked for) and the changes since a MODSEQ, which is
 * how sessions learn about other sessions' work.
 */
import type { MessageStructure } from '../mime';
import type { SqlExecutor } from '../ports/sql';

/** A message as FETCH sees it; optional fields are read only when asked for (see messages()). */
export interface MessageRecord {
  uid: number;
  flags: string[];
  /** The row id: JMAP's email id (OBJECTID EMAILID, THREADID). */
  id?: number;
  modseq?: number;
  internalDate?: Date;
  /** As the BODY forms serve it (binary parts base64-encoded), so it matches BODY[]. */
  size?: number;
  /** SAVEDATE (RFC 8514): when the message was saved into this mailbox. */
  savedAt?: Date;
  /** Stored PREVIEW text; null when it has not been computed yet. */
  preview?: string | null;
  structure?: MessageStructure;
  blobKey?: string;
  headerPrefix?: Buffer;
}

export interface MailboxState {
  uidnext: number;
  highestmodseq: number;
  uidvalidity: number;
  /** UIDs at or above this are not yet claimed as \Recent by any session. */
  recentUid: number;
}

export interface MailboxChanges extends MailboxState {
  flags: { uid: number; flags: string[]; modseq: number }[];
  expunged: number[];
  added: number[];
  /** Keywords the added messages carry (distinct): new ones must be announced in FLAGS first. */
  addedKeywords: string[];
}

/** Columns beyond uid and flags that FETCH can ask for. */
export interface Columns {
  id?: boolean;
  modseq?: boolean;
  internalDate?: boolean;
  size?: boolean;
  savedAt?: boolean;
  preview?: boolean;
}

/** A bigint[] parameter: uid lists go to the server as one array, not one query per message. */
const uidArray = (uids: number[]): string => `{${uids.join(',')}}`;

export class ImapView {
  constructor(private readonly db: SqlExecutor) {}

  async uids(mailboxId: number): Promise<number[]> {
    const result = await this.db.query<{ uid: string }>(
      `SELECT uid FROM messages WHERE mailbox_id = $1 ORDER BY uid`,
      [mailboxId],
    );
    return result.rows.map((r) => Number(r.uid));
  }

  async state(mailboxId: number): Promise<MailboxState | null> {
    const result = await this.db.query<{
      uidnext: string;
      highestmodseq: string;
      uidvalidity: string;
      recent_uid: string;
    }>(`SELECT uidnext, highestmodseq, uidvalidity, recent_uid FROM mailboxes WHERE id = $1`, [mailboxId]);
    const row = result.rows[0];
    if (!row) return null;
    return {
      uidnext: Number(row.uidnext),
      highestmodseq: Number(row.highestmodseq),
      uidvalidity: Number(row.uidvalidity),
      recentUid: Number(row.recent_uid),
    };
  }

  /**
   * Claims the messages not yet reported as \Recent to anyone: UIDs in [returned, uidnext).
   * Only read-write selections claim (RFC 3501 §2.3.2).
   */
  async claimRecent(mailboxId: number): Promise<{ from: number; to: number }> {
    // One statement: the row lock of the sub-select makes concurrent claims take turns, and the
    // sub-select's row is the value before this claim.
    const result = await this.db.query<{ from_uid: string; to_uid: string }>(
      `UPDATE mailboxes m SET recent_uid = m.uidnext
       FROM (SELECT id, recent_uid FROM mailboxes WHERE id = $1 FOR UPDATE) before
       WHERE m.id = before.id RETURNING before.recent_uid AS from_uid, m.uidnext AS to_uid`,
      [mailboxId],
    );
    const row = result.rows[0];
    return { from: Number(row?.from_uid ?? 1), to: Number(row?.to_uid ?? 1) };
  }

  async firstUnseen(mailboxId: number): Promise<number | null> {
    const result = await this.db.query<{ uid: string }>(
      `SELECT uid FROM messages WHERE mailbox_id = $1 AND NOT ('\\Seen' = ANY(flags)) ORDER BY uid LIMIT 1`,
      [mailboxId],
    );
    return result.rows[0] ? Number(result.rows[0].uid) : null;
  }

  async keywords(mailboxId: number): Promise<string[]> {
    const result = await this.db.query<{ flag: string }>(
      `SELECT DISTINCT unnest(flags) AS flag FROM messages WHERE mailbox_id = $1`,
      [mailboxId],
    );
    return result.rows.map((r) => r.flag).filter((f) => !f.startsWith('\\'));
  }

  /** Rows for `uids` (ascending), with the optional columns FETCH needs. */
  async messages(
    mailboxId: number,
    uids: number[],
    options: {
      structure?: boolean;
      body?: boolean;
      changedSince?: number | null;
      /** Columns beyond uid and flags, all by default. Each column costs per row (PGlite decodes every cell in JS), so FETCH asks only for what it renders. */
      columns?: Columns;
    } = {},
  ): Promise<MessageRecord[]> {
    if (uids.length === 0) return [];
    const wanted = options.columns ?? { modseq: true, internalDate: true, size: true };
    const columns = ['uid', 'flags'];
    if (wanted.id) columns.push('id');
    if (wanted.modseq) columns.push('modseq');
    if (wanted.internalDate) columns.push('internal_date');
    if (wanted.size) columns.push('size');
    if (wanted.savedAt) columns.push('created_at');
    if (wanted.preview) columns.push('preview');
    if (options.structure) columns.push('structure');
    if (options.body) columns.push('blob_key', 'header_prefix');
    // A run of consecutive UIDs (FETCH 1:* on a mailbox without holes) as a range: no big array.
    const low = Math.min(uids[0], uids[uids.length - 1]);
    const high = low + uids.length - 1;
    const run = new Set(uids).size === uids.length && uids.every((u) => u >= low && u <= high);
    const params: unknown[] = run ? [mailboxId, low, high] : [mailboxId, uidArray(uids)];
    let where = run ? 'uid BETWEEN $2 AND $3' : 'uid = ANY($2::bigint[])';
    if (options.changedSince !== undefined && options.changedSince !== null) {
      params.push(options.changedSince);
      where += ` AND modseq > $${params.length}`;
    }
    const result = await this.db.query<Record<string, unknown>>(
      `SELECT ${columns.join(', ')} FROM messages WHERE mailbox_id = $1 AND ${where} ORDER BY uid`,
      params,
    );
    // RFC822.SIZE is the size as served: messages with binary parts are looked up apart, through
    // the partial index, so the common row never has its structure read for a size.
    const served = new Map<string, unknown>();
    if (wanted.size && !options.structure) {
      const converted = await this.db.query<{ uid: string; size: string }>(
        `SELECT uid, (structure->'converted'->>'size')::bigint AS size FROM messages
         WHERE mailbox_id = $1 AND ${where} AND structure ? 'converted'`,
        params,
      );
      for (const row of converted.rows) served.set(String(row.uid), row.size);
    }
    return result.rows.map((row) => {
      const structure = options.structure
        ? ((typeof row.structure === 'string'
            ? JSON.parse(row.structure)
            : row.structure) as MessageStructure)
        : undefined;
      const size = served.get(String(row.uid)) ?? structure?.converted?.size ?? row.size;
      return {
        uid: Number(row.uid),
        flags: row.flags as string[],
        id: wanted.id ? Number(row.id) : undefined,
        modseq: wanted.modseq ? Number(row.modseq) : undefined,
        internalDate: wanted.internalDate ? new Date(row.internal_date as string) : undefined,
        size: wanted.size ? Number(size) : undefined,
        savedAt: wanted.savedAt ? new Date(row.created_at as string) : undefined,
        preview: wanted.preview ? ((row.preview as string | null) ?? null) : undefined,
        structure,
        blobKey: options.body ? (row.blob_key as string) : undefined,
        headerPrefix: options.body ? toBuffer(row.header_prefix) : undefined,
      };
    });
  }

  /**
   * Octets the mailbox's binary parts gain by being served base64-encoded (RFC822.SIZE minus the
   * stored size); the partial index of migration 61 keeps this to the few such messages.
   */
  async convertedGrowth(mailboxId: number): Promise<number> {
    const result = await this.db.query<{ growth: string | null }>(
      `SELECT sum((structure->'converted'->>'size')::bigint - size) AS growth FROM messages
       WHERE mailbox_id = $1 AND structure ? 'converted'`,
      [mailboxId],
    );
    return Number(result.rows[0]?.growth ?? 0);
  }

  /** Stores computed previews (message row id → text); a row that is gone is simply skipped. */
  async storePreviews(previews: Map<number, string>): Promise<void> {
    if (previews.size === 0) return;
    await this.db.query(
      `UPDATE messages m SET preview = x.preview
       FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::text[]) AS preview) x WHERE m.id = x.id`,
      [uidArray([...previews.keys()]), [...previews.values()]],
    );
  }

  /** Flag changes, expunges and new messages since `modseq` / above `knownMaxUid`. */
  async changes(mailboxId: number, modseq: number, knownMaxUid: number): Promise<MailboxChanges | null> {
    const state = await this.state(mailboxId);
    if (!state) return null;
    const out: MailboxChanges = { ...state, flags: [], expunged: [], added: [], addedKeywords: [] };
    if (state.highestmodseq <= modseq && state.uidnext <= knownMaxUid + 1) return out;
    const changed = await this.db.query<{ uid: string; flags: string[]; modseq: string }>(
      `SELECT uid, flags, modseq FROM messages WHERE mailbox_id = $1 AND (modseq > $2 OR uid > $3) ORDER BY uid`,
      [mailboxId, modseq, knownMaxUid],
    );
    const keywords = new Set<string>();
    for (const row of changed.rows) {
      const uid = Number(row.uid);
      if (uid > knownMaxUid) {
        out.added.push(uid);
        for (const flag of row.flags) if (!flag.startsWith('\\')) keywords.add(flag);
      } else out.flags.push({ uid, flags: row.flags, modseq: Number(row.modseq) });
    }
    out.addedKeywords = [...keywords];
    const expunged = await this.db.query<{ uid: string }>(
      `SELECT uid FROM expunged_messages WHERE mailbox_id = $1 AND modseq > $2 AND uid <= $3 ORDER BY uid`,
      [mailboxId, modseq, knownMaxUid],
    );
    out.expunged = expunged.rows.map((r) => Number(r.uid));
    return out;
  }

  /** QRESYNC: UIDs expunged after `modseq`, limited to the ranges given (all when null). */
  async vanishedSince(mailboxId: number, modseq: number): Promise<number[]> {
    const result = await this.db.query<{ uid: string }>(
      `SELECT uid FROM expunged_messages WHERE mailbox_id = $1 AND modseq > $2 ORDER BY uid`,
      [mailboxId, modseq],
    );
    return result.rows.map((r) => Number(r.uid));
  }
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string' && value.startsWith('\\x')) return Buffer.from(value.slice(2), 'hex');
  return Buffer.alloc(0);
}
