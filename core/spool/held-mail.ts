import type { QueueName, Spool, SpoolPayload } from '../ports/spool';
import type { SqlExecutor } from '../ports/sql';
import { releaseBlob } from '../store/blob-refs';

/**
 * Mail in `hold`: spool jobs kept in SQL (table held_mail) until an operator, ETRN or a check
 * releases them. A held job keeps the blob reference it had in the spool; release hands it back
 * to the queue, purge drops it.
 */
export type HoldReason = 'relay-domain' | 'account';

export interface HeldMessage {
  /** The spool job id (unique). */
  id: string;
  /** Where release puts it back. */
  queue: QueueName;
  /** The job payload as it was. */
  payload: SpoolPayload;
  reason: HoldReason;
  /** Recipient domain (relay-domain holds), lower case. */
  domain: string | null;
  /** The authenticated sender (account holds), lower case. */
  account: string | null;
  heldAt: Date;
  note: string | null;
}

export interface HeldFilter {
  reason?: HoldReason;
  domain?: string;
  /** With `domain`: also its subdomains (ETRN @domain). */
  includeSubdomains?: boolean;
  account?: string;
  limit?: number;
}

interface HeldRow {
  id: string;
  queue: QueueName;
  payload: SpoolPayload | string;
  reason: HoldReason;
  domain: string | null;
  account: string | null;
  held_at: Date | string;
  note: string | null;
}

const DEFAULT_LIMIT = 1000;

export class HeldMail {
  constructor(private readonly db: SqlExecutor) {}

  /** Idempotent on id: holding a job twice keeps the first row. */
  async hold(entry: Omit<HeldMessage, 'heldAt'>): Promise<void> {
    await this.db.query(
      `INSERT INTO held_mail (id, queue, payload, reason, domain, account, note)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [
        entry.id,
        entry.queue,
        JSON.stringify(entry.payload),
        entry.reason,
        entry.domain?.toLowerCase() ?? null,
        entry.account?.toLowerCase() ?? null,
        entry.note,
      ],
    );
  }

  async list(filter: HeldFilter = {}): Promise<HeldMessage[]> {
    const { where, params } = whereClause(filter);
    params.push(filter.limit ?? DEFAULT_LIMIT);
    const result = await this.db.query<HeldRow>(
      `SELECT * FROM held_mail ${where} ORDER BY held_at, id LIMIT $${params.length}`,
      params,
    );
    return result.rows.map(toMessage);
  }

  async count(filter: HeldFilter = {}): Promise<number> {
    const { where, params } = whereClause(filter);
    const result = await this.db.query<{ n: number | string }>(
      `SELECT count(*)::int AS n FROM held_mail ${where}`,
      params,
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  /**
   * Crash-safe release: each job is enqueued first (idempotent on id), then its row deleted, so a
   * crash in between leaves at worst a row whose job is already queued (released again: no-op).
   * A relay-domain hold's payload gets `released: true`, which the relay honours over the
   * domain's hold setting (an account hold's does not: its mail still meets a domain's hold).
   */
  async release(spool: Spool, filter: HeldFilter): Promise<number> {
    let released = 0;
    for (;;) {
      const batch = await this.list({ ...filter, limit: filter.limit ?? 200 });
      if (batch.length === 0) return released;
      for (const message of batch) {
        const payload =
          message.reason === 'relay-domain' ? { ...message.payload, released: true } : message.payload;
        await spool.enqueue(message.queue, message.id, payload);
        const deleted = await this.db.query(`DELETE FROM held_mail WHERE id = $1`, [message.id]);
        if ((deleted.rowCount ?? 0) > 0) released++;
      }
      if (filter.limit !== undefined) return released;
    }
  }

  /** Deletes the rows and releases their blob references in the same transaction. */
  async purge(filter: HeldFilter): Promise<number> {
    return this.db.transaction(async (tx) => {
      const { where, params } = whereClause(filter);
      params.push(filter.limit ?? 2_147_483_647);
      const deleted = await tx.query<{ payload: SpoolPayload | string }>(
        `DELETE FROM held_mail WHERE id IN (
           SELECT id FROM held_mail ${where} ORDER BY held_at, id LIMIT $${params.length})
         RETURNING payload`,
        params,
      );
      for (const row of deleted.rows) {
        const payload = parsePayload(row.payload);
        if (payload.blobKey) await releaseBlob(tx, payload.blobKey);
      }
      return deleted.rows.length;
    });
  }
}

function whereClause(filter: HeldFilter): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (filter.reason) {
    params.push(filter.reason);
    conditions.push(`reason = $${params.length}`);
  }
  if (filter.domain) {
    params.push(filter.domain.toLowerCase());
    const p = `$${params.length}`;
    conditions.push(
      filter.includeSubdomains
        ? `(domain = ${p} OR right(domain, length(${p}) + 1) = '.' || ${p})`
        : `domain = ${p}`,
    );
  }
  if (filter.account) {
    params.push(filter.account.toLowerCase());
    conditions.push(`account = $${params.length}`);
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

function parsePayload(value: SpoolPayload | string): SpoolPayload {
  return typeof value === 'string' ? (JSON.parse(value) as SpoolPayload) : value;
}

function toMessage(row: HeldRow): HeldMessage {
  return {
    id: row.id,
    queue: row.queue,
    payload: parsePayload(row.payload),
    reason: row.reason,
    domain: row.domain,
    account: row.account,
    heldAt: row.held_at instanceof Date ? row.held_at : new Date(row.held_at),
    note: row.note,
  };
}
