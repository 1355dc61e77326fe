/**
 * Held posts (waiting for a moderator) and pending confirmations (double opt-in) in SQL. Tokens
 * are kept only as hashes. A held post owns one reference on its blob until it is decided.
 */
import type { SqlExecutor } from '../ports/sql';
import { acquireBlob, releaseBlob } from '../store/blob-refs';

export type ModerationDecision = 'approve' | 'reject' | 'discard';

export interface HeldPost {
  id: string;
  listId: string;
  blobKey: string;
  size: number;
  queueId: string;
  mailFrom: string;
  sender: string;
  subject: string;
  reason: string;
  heldAt: string;
  decision: ModerationDecision | null;
  decisionReason: string | null;
  decidedBy: string | null;
  done: boolean;
}

interface HeldRow {
  id: string | number;
  list_id: string | number;
  blob_key: string;
  size: string | number;
  queue_id: string;
  mail_from: string;
  sender: string;
  subject: string;
  reason: string;
  held_at: Date | string;
  decision: ModerationDecision | null;
  decision_reason: string | null;
  decided_by: string | null;
  done_at: Date | string | null;
}

function toHeld(row: HeldRow): HeldPost {
  return {
    id: String(row.id),
    listId: String(row.list_id),
    blobKey: row.blob_key,
    size: Number(row.size),
    queueId: row.queue_id,
    mailFrom: row.mail_from,
    sender: row.sender,
    subject: row.subject,
    reason: row.reason,
    heldAt: new Date(row.held_at).toISOString(),
    decision: row.decision,
    decisionReason: row.decision_reason,
    decidedBy: row.decided_by,
    done: row.done_at !== null,
  };
}

export interface PendingConfirmation {
  id: string;
  listId: string;
  action: 'subscribe' | 'unsubscribe';
  address: string;
  displayName: string | null;
  expiresAt: string;
}

export class HeldStore {
  constructor(private readonly db: SqlExecutor) {}

  /**
   * Holds a post (idempotent on the post's queue id: a retried job holds it once). Returns the
   * held post and whether it is new (only then are the moderators told).
   */
  async hold(
    post: Omit<HeldPost, 'id' | 'heldAt' | 'decision' | 'decisionReason' | 'decidedBy' | 'done'> & {
      tokenHash: string;
    },
  ): Promise<{ held: HeldPost; fresh: boolean }> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query<HeldRow>(
        `INSERT INTO list_held (list_id, blob_key, size, queue_id, mail_from, sender, subject, reason, token_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (list_id, queue_id) DO NOTHING RETURNING *`,
        [
          post.listId,
          post.blobKey,
          post.size,
          post.queueId,
          post.mailFrom,
          post.sender,
          post.subject,
          post.reason,
          post.tokenHash,
        ],
      );
      if (inserted.rows[0]) {
        await acquireBlob(tx, post.blobKey, post.size);
        return { held: toHeld(inserted.rows[0]), fresh: true };
      }
      const existing = await tx.query<HeldRow>(
        `SELECT * FROM list_held WHERE list_id = $1 AND queue_id = $2`,
        [post.listId, post.queueId],
      );
      return { held: toHeld(existing.rows[0]), fresh: false };
    });
  }

  /** Held posts not yet decided and carried out, oldest first. */
  async open(listId: string, limit = 500): Promise<HeldPost[]> {
    const rows = await this.db.query<HeldRow>(
      `SELECT * FROM list_held WHERE list_id = $1 AND done_at IS NULL ORDER BY id LIMIT $2`,
      [listId, limit],
    );
    return rows.rows.map(toHeld);
  }

  async get(id: string): Promise<HeldPost | null> {
    const rows = await this.db.query<HeldRow>(`SELECT * FROM list_held WHERE id = $1`, [id]);
    return rows.rows[0] ? toHeld(rows.rows[0]) : null;
  }

  /** Records a decision on an undecided post; false when it was decided already. */
  async decide(
    id: string,
    decision: ModerationDecision,
    by: string,
    reason: string | null,
  ): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE list_held SET decision = $2, decided_by = $3, decision_reason = $4, decided_at = now()
       WHERE id = $1 AND decision IS NULL RETURNING 1`,
      [id, decision, by, reason],
    );
    return rows.rows.length > 0;
  }

  /** Marks the decision carried out and gives the blob reference back (exactly once). */
  async finish(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ blob_key: string }>(
        `UPDATE list_held SET done_at = now() WHERE id = $1 AND done_at IS NULL AND decision IS NOT NULL RETURNING blob_key`,
        [id],
      );
      if (rows.rows[0]) await releaseBlob(tx, rows.rows[0].blob_key);
      return rows.rows.length > 0;
    });
  }

  async addPending(p: Omit<PendingConfirmation, 'id'> & { tokenHash: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO list_pending (list_id, token_hash, action, address, display_name, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [p.listId, p.tokenHash, p.action, p.address.toLowerCase(), p.displayName, p.expiresAt],
    );
  }

  /** Takes (removes and returns) the unexpired confirmation with this token hash: a token works once. */
  async takePending(tokenHash: string, now: Date): Promise<PendingConfirmation | null> {
    const rows = await this.db.query<{
      id: string | number;
      list_id: string | number;
      action: 'subscribe' | 'unsubscribe';
      address: string;
      display_name: string | null;
      expires_at: Date | string;
    }>(`DELETE FROM list_pending WHERE token_hash = $1 AND expires_at > $2 RETURNING *`, [
      tokenHash,
      now.toISOString(),
    ]);
    const row = rows.rows[0];
    if (!row) return null;
    return {
      id: String(row.id),
      listId: String(row.list_id),
      action: row.action,
      address: row.address,
      displayName: row.display_name,
      expiresAt: new Date(row.expires_at).toISOString(),
    };
  }

  async peekPending(tokenHash: string, now: Date): Promise<PendingConfirmation | null> {
    const rows = await this.db.query<{
      id: string;
      list_id: string;
      action: 'subscribe' | 'unsubscribe';
      address: string;
      display_name: string | null;
      expires_at: Date | string;
    }>(`SELECT * FROM list_pending WHERE token_hash = $1 AND expires_at > $2`, [
      tokenHash,
      now.toISOString(),
    ]);
    const row = rows.rows[0];
    return row
      ? {
          id: String(row.id),
          listId: String(row.list_id),
          action: row.action,
          address: row.address,
          displayName: row.display_name,
          expiresAt: new Date(row.expires_at).toISOString(),
        }
      : null;
  }

  async purgeExpired(now: Date): Promise<number> {
    const rows = await this.db.query(`DELETE FROM list_pending WHERE expires_at <= $1 RETURNING 1`, [
      now.toISOString(),
    ]);
    return rows.rows.length;
  }
}
