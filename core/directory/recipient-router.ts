import { normaliseDomain, parseAddress } from '../mail/address';
import { isSrsLocalPart, type Srs } from '../mail/srs';
import type { SqlExecutor } from '../ports/sql';
import { toAccount, type AccountRow } from './account-row';
import type { Account, Resolution } from './types';

const MAX_DEPTH = 10;

/**
 * Where mail for one envelope recipient goes: through aliases (recursively) to accounts, and the
 * domain's catch-all. Loops end at an address already seen. An account ends the walk: its
 * forwarding is applied at delivery by Sieve (core/sieve/delivery), with the account's filters.
 */
export class RecipientRouter {
  private readonly accounts = new Map<number, Account>();
  private readonly remote = new Set<string>();
  private readonly seen = new Set<string>();

  private constructor(private readonly db: SqlExecutor) {}

  static async resolve(db: SqlExecutor, address: string, srs?: Srs): Promise<Resolution> {
    let parsed;
    try {
      parsed = parseAddress(address, { utf8: true });
    } catch {
      return { kind: 'unknown-user' };
    }
    const router = new RecipientRouter(db);
    const domain = await router.domain(parsed.domain);
    if (!domain) return { kind: 'not-local' };
    if (isSrsLocalPart(parsed.local)) {
      // A bounce to an address our forwarding minted goes back to the original sender.
      const original = srs?.reverse(parsed.local);
      return original ? { kind: 'resolved', accounts: [], remote: [original] } : { kind: 'unknown-user' };
    }
    const found =
      (await router.expand(parsed.key, 0)) ||
      (domain.catch_all !== null && (await router.expand(domain.catch_all.toLowerCase(), 1)));
    if (!found || (router.accounts.size === 0 && router.remote.size === 0)) return { kind: 'unknown-user' };
    return { kind: 'resolved', accounts: [...router.accounts.values()], remote: [...router.remote] };
  }

  /** Adds where `key` leads; false when it is neither an account nor an alias. */
  private async expand(key: string, depth: number): Promise<boolean> {
    if (this.seen.has(key) || depth > MAX_DEPTH) return this.seen.has(key);
    this.seen.add(key);
    const account = await this.db.query<AccountRow>(`SELECT * FROM accounts WHERE address = $1`, [key]);
    const row = account.rows[0];
    if (row) {
      // A disabled account is suspended: it neither receives nor forwards.
      if (!row.disabled) this.accounts.set(row.id, toAccount(row));
      return true;
    }
    const aliases = await this.db.query<{ target: string }>(`SELECT target FROM aliases WHERE source = $1`, [
      key,
    ]);
    if (aliases.rows.length === 0) return false;
    await this.expandTargets(
      aliases.rows.map((r) => r.target),
      depth,
    );
    return true;
  }

  private async expandTargets(targets: string[], depth: number): Promise<void> {
    for (const target of targets) {
      const domain = target.slice(target.lastIndexOf('@') + 1);
      // A local target that does not exist is skipped (a stale alias must not bounce the rest).
      if (await this.domain(domain)) await this.expand(target, depth + 1);
      else this.remote.add(target);
    }
  }

  private async domain(name: string): Promise<{ catch_all: string | null } | null> {
    let domain: string;
    try {
      domain = normaliseDomain(name);
    } catch {
      return null;
    }
    const result = await this.db.query<{ catch_all: string | null }>(
      `SELECT catch_all FROM domains WHERE name = $1`,
      [domain],
    );
    return result.rows[0] ?? null;
  }
}
