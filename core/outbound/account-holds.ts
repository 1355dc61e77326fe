/**
 * Held accounts (table outbound_account_holds): while an account is held its submitted mail is
 * accepted and kept in held_mail (core/spool/held-mail.ts, reason 'account'), not sent.
 */
import type { SqlExecutor } from '../ports/sql';

export interface AccountHold {
  account: string;
  reason: string;
  since: Date;
}

export class AccountHolds {
  constructor(private readonly db: SqlExecutor) {}

  /** True when the account was not held before (a new hold). */
  async hold(account: string, reason: string): Promise<boolean> {
    const r = await this.db.query(
      `INSERT INTO outbound_account_holds (account, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [account.toLowerCase(), reason],
    );
    return r.rowCount > 0;
  }

  async get(account: string): Promise<AccountHold | null> {
    const r = await this.db.query<{ account: string; reason: string; since: Date | string }>(
      `SELECT account, reason, since FROM outbound_account_holds WHERE account = $1`,
      [account.toLowerCase()],
    );
    const row = r.rows[0];
    return row ? { account: row.account, reason: row.reason, since: new Date(row.since) } : null;
  }

  /** True when the account was held. */
  async release(account: string): Promise<boolean> {
    const r = await this.db.query(`DELETE FROM outbound_account_holds WHERE account = $1`, [
      account.toLowerCase(),
    ]);
    return r.rowCount > 0;
  }

  async list(): Promise<AccountHold[]> {
    const r = await this.db.query<{ account: string; reason: string; since: Date | string }>(
      `SELECT account, reason, since FROM outbound_account_holds ORDER BY since, account`,
    );
    return r.rows.map((row) => ({ account: row.account, reason: row.reason, since: new Date(row.since) }));
  }
}
