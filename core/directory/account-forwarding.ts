import { AddressError, parseAddress } from '../mail/address';
import type { SqlExecutor } from '../ports/sql';
import { refuseLoop } from './alias-graph';
import { DirectoryError } from './errors';

/** An account's forwarding: where its mail also (or instead) goes. */
export interface Forwarding {
  address: string;
  targets: string[];
  /** Keep a copy in the account's own mailbox as well. */
  keepCopy: boolean;
}

/** More targets than this is a mailing list's job, not a forward. */
export const MAX_FORWARD_TARGETS = 10;

/**
 * Per-account forwarding, set by the user (webmail, JMAP) or an administrator (CLI, admin API).
 * Routing honours it in RecipientRouter; this class only reads and writes the setting.
 */
export class AccountForwarding {
  /** `changed`: runs after a change (the directory clears its recipient cache). */
  constructor(
    private readonly db: SqlExecutor,
    private readonly changed: () => void = () => undefined,
  ) {}

  async get(address: string): Promise<Forwarding> {
    const account = await this.requireAccount(address);
    const rows = await this.db.query<{ target: string; keep_copy: boolean }>(
      `SELECT target, keep_copy FROM account_forwards WHERE account_id = $1 ORDER BY target`,
      [account.id],
    );
    return {
      address: account.address,
      targets: rows.rows.map((r) => r.target),
      keepCopy: rows.rows[0]?.keep_copy ?? true,
    };
  }

  /** Replaces the targets (an empty list turns forwarding off). */
  async set(address: string, targets: string[], keepCopy: boolean): Promise<Forwarding> {
    const account = await this.requireAccount(address);
    const normalised = [...new Set(targets.map((t) => this.target(t)))];
    if (normalised.length > MAX_FORWARD_TARGETS)
      throw new DirectoryError('invalid', `at most ${MAX_FORWARD_TARGETS} forwarding targets`);
    if (normalised.includes(account.address))
      throw new DirectoryError('invalid', 'an account cannot forward to itself; keep a copy instead');
    await this.db.transaction(async (tx) => {
      await refuseLoop(tx, account.address, normalised, 'forwarding');
      await tx.query(`DELETE FROM account_forwards WHERE account_id = $1`, [account.id]);
      for (const target of normalised) {
        await tx.query(`INSERT INTO account_forwards (account_id, target, keep_copy) VALUES ($1, $2, $3)`, [
          account.id,
          target,
          keepCopy,
        ]);
      }
    });
    this.changed();
    return { address: account.address, targets: normalised.sort(), keepCopy };
  }

  /** Every account that forwards, optionally of one domain. */
  async list(domain?: string): Promise<Forwarding[]> {
    const rows = await this.db.query<{ address: string; target: string; keep_copy: boolean }>(
      `SELECT a.address, f.target, f.keep_copy FROM account_forwards f JOIN accounts a ON a.id = f.account_id
       JOIN domains d ON d.id = a.domain_id WHERE ($1::text IS NULL OR d.name = $1) ORDER BY a.address, f.target`,
      [domain?.toLowerCase() ?? null],
    );
    const byAddress = new Map<string, Forwarding>();
    for (const row of rows.rows) {
      const entry = byAddress.get(row.address) ?? {
        address: row.address,
        targets: [],
        keepCopy: row.keep_copy,
      };
      entry.targets.push(row.target);
      byAddress.set(row.address, entry);
    }
    return [...byAddress.values()];
  }

  private target(value: string): string {
    try {
      return parseAddress(value.trim(), { utf8: true }).address.toLowerCase();
    } catch (error) {
      if (error instanceof AddressError) throw new DirectoryError('bad-address', error.message);
      throw error;
    }
  }

  private async requireAccount(address: string): Promise<{ id: number; address: string }> {
    let key: string;
    try {
      key = parseAddress(address, { utf8: true }).key;
    } catch (error) {
      if (error instanceof AddressError) throw new DirectoryError('bad-address', error.message);
      throw error;
    }
    const result = await this.db.query<{ id: number; address: string }>(
      `SELECT id, address FROM accounts WHERE address = $1`,
      [key],
    );
    if (!result.rows[0]) throw new DirectoryError('not-found', `no account ${key}`);
    return { id: Number(result.rows[0].id), address: result.rows[0].address };
  }
}
