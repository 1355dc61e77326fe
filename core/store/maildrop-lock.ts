import { randomUUID } from 'node:crypto';
import type { SqlExecutor } from '../ports/sql';

export interface MaildropLockOptions {
  /** Identifies the node in the lock row (for operators); each lease adds a unique suffix. */
  nodeId: string;
  /** How long a lease lives without a heartbeat: a crashed node's locks free themselves after this. */
  leaseSeconds?: number;
  /** How often a live lease is renewed; defaults to a third of the lease. */
  heartbeatMs?: number;
  onError?: (error: unknown) => void;
}

export interface MaildropLease {
  readonly accountId: number;
  readonly owner: string;
  /** True once a renewal found the row taken over or gone (the lease expired under us). */
  readonly lost: boolean;
  /** Renews now; false when the lease is no longer ours. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export const DEFAULT_MAILDROP_LEASE_SECONDS = 120;

/**
 * Exclusive maildrop access (RFC 1939 §8) across every process sharing the database: a row in
 * `maildrop_locks` per account, taken only when absent or expired, renewed by a heartbeat while
 * the session lives. The database clock decides expiry, so node clocks need not agree.
 */
export class MaildropLock {
  private readonly leaseSeconds: number;
  private readonly heartbeatMs: number;

  constructor(
    private readonly db: SqlExecutor,
    private readonly options: MaildropLockOptions,
  ) {
    this.leaseSeconds = options.leaseSeconds ?? DEFAULT_MAILDROP_LEASE_SECONDS;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(1000, (this.leaseSeconds * 1000) / 3);
  }

  /** The lease, or null when another live session holds the maildrop. */
  async acquire(accountId: number): Promise<MaildropLease | null> {
    const owner = `${this.options.nodeId}/${randomUUID()}`;
    const result = await this.db.query<{ owner: string }>(
      `INSERT INTO maildrop_locks (account_id, owner, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (account_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
       WHERE maildrop_locks.expires_at < now()
       RETURNING owner`,
      [accountId, owner, this.leaseSeconds],
    );
    if (result.rows[0]?.owner !== owner) return null;
    return new Lease(this.db, accountId, owner, this.leaseSeconds, this.heartbeatMs, this.options.onError);
  }
}

class Lease implements MaildropLease {
  lost = false;
  private released = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: SqlExecutor,
    readonly accountId: number,
    readonly owner: string,
    private readonly leaseSeconds: number,
    heartbeatMs: number,
    onError: ((error: unknown) => void) | undefined,
  ) {
    this.timer = setInterval(() => {
      // A failed renewal is not yet a lost lease: the row stays ours until it expires.
      this.renew().catch((error) => onError?.(error));
    }, heartbeatMs);
    this.timer.unref();
  }

  async renew(): Promise<boolean> {
    if (this.released || this.lost) return false;
    const result = await this.db.query(
      `UPDATE maildrop_locks SET expires_at = now() + make_interval(secs => $3)
       WHERE account_id = $1 AND owner = $2`,
      [this.accountId, this.owner, this.leaseSeconds],
    );
    if (result.rowCount === 0) {
      this.lost = true;
      clearInterval(this.timer);
    }
    return !this.lost;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.db.query(`DELETE FROM maildrop_locks WHERE account_id = $1 AND owner = $2`, [
      this.accountId,
      this.owner,
    ]);
  }
}
