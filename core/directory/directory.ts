import { AddressError, normaliseDomain, parseAddress } from '../mail/address';
import type { Srs } from '../mail/srs';
import type { SqlExecutor } from '../ports/sql';
import { createDefaultMailboxes } from './default-mailboxes';
import { DirectoryError } from './errors';
import { hashPassword, verifyPassword } from './password';
import { AccountForwarding } from './account-forwarding';
import { refuseLoop } from './alias-graph';
import { toAccount, type AccountRow } from './account-row';
import { RecipientRouter } from './recipient-router';
import { DEFAULT_RECIPIENT_CACHE_SECONDS, RecipientCache } from './recipient-cache';
import type { Account, Alias, Domain, Resolution } from './types';
import { DEFAULT_AUTH_CACHE_SECONDS, VerifiedCredentials } from '../auth/verified-credentials';

/** Domains, accounts, aliases, forwards and catch-all: who may receive mail here, and where it goes. */
export class Directory {
  /**
   * Verified (address, password, stored hash) triples, so clients that log in every few seconds
   * (IMAP/POP3 polling) don't cost a scrypt each time. Keyed on the stored hash: a password change
   * misses at once. Only successes are cached; the account row is still read every time.
   */
  /** Logins whose password check passed recently (keyed HMACs, never the password). */
  private readonly verified: VerifiedCredentials;

  /** Per-account forwarding (routing honours it in RecipientRouter). */
  readonly forwarding: AccountForwarding;

  /** Answers reused by the SMTP RCPT path (cachedResolve, cachedIsLocalDomain); cleared on every change here. */
  readonly recipientCache: RecipientCache;

  /**
   * `srs`: honours bounce addresses minted by mail we forwarded (absent → they are unknown users).
   * `recipientCacheSeconds`: how long the SMTP RCPT path may reuse a lookup (0: never).
   * `authCacheSeconds`: how long a verified login skips the password hash check (0: never).
   */
  constructor(
    private readonly db: SqlExecutor,
    private readonly options: { srs?: Srs; recipientCacheSeconds?: number; authCacheSeconds?: number } = {},
  ) {
    this.verified = new VerifiedCredentials(options.authCacheSeconds ?? DEFAULT_AUTH_CACHE_SECONDS);
    this.recipientCache = new RecipientCache(
      options.recipientCacheSeconds ?? DEFAULT_RECIPIENT_CACHE_SECONDS,
    );
    this.forwarding = new AccountForwarding(db, () => this.recipientCache.clear());
  }

  // Domains -----------------------------------------------------------------

  async addDomain(name: string): Promise<Domain> {
    const domain = this.domainName(name);
    const result = await this.db.query<{
      id: number;
      name: string;
      catch_all: string | null;
      created_at: Date;
    }>(`INSERT INTO domains (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING *`, [domain]);
    if (result.rows.length === 0) throw new DirectoryError('duplicate', `domain ${domain} already exists`);
    this.recipientCache.clear();
    return toDomain(result.rows[0]);
  }

  async listDomains(): Promise<(Domain & { accounts: number; aliases: number })[]> {
    const result = await this.db.query<{
      id: number;
      name: string;
      catch_all: string | null;
      created_at: Date;
      accounts: number;
      aliases: number;
    }>(
      `SELECT d.*, (SELECT count(*) FROM accounts a WHERE a.domain_id = d.id)::int AS accounts,
              (SELECT count(*) FROM aliases x WHERE x.domain_id = d.id)::int AS aliases
       FROM domains d ORDER BY d.name`,
    );
    return result.rows.map((row) => ({ ...toDomain(row), accounts: row.accounts, aliases: row.aliases }));
  }

  async getDomain(name: string): Promise<Domain | null> {
    let domain: string;
    try {
      domain = normaliseDomain(name);
    } catch {
      return null;
    }
    const result = await this.db.query<{
      id: number;
      name: string;
      catch_all: string | null;
      created_at: Date;
    }>(`SELECT * FROM domains WHERE name = $1`, [domain]);
    return result.rows[0] ? toDomain(result.rows[0]) : null;
  }

  async isLocalDomain(name: string): Promise<boolean> {
    return (await this.getDomain(name)) !== null;
  }

  /** Removes a domain; refuses while it has accounts unless `force` (which deletes their mail too). */
  async removeDomain(name: string, options: { force?: boolean } = {}): Promise<void> {
    const domain = await this.requireDomain(name);
    const count = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM accounts WHERE domain_id = $1`,
      [domain.id],
    );
    if (count.rows[0].n > 0 && !options.force) {
      throw new DirectoryError(
        'domain-not-empty',
        `domain ${domain.name} has ${count.rows[0].n} account(s); remove them first or use --force`,
      );
    }
    await this.db.transaction(async (tx) => {
      if (options.force) {
        const accounts = await tx.query<{ id: number }>(`SELECT id FROM accounts WHERE domain_id = $1`, [
          domain.id,
        ]);
        for (const account of accounts.rows) await releaseAccountBlobs(tx, account.id);
      }
      await tx.query(`DELETE FROM domains WHERE id = $1`, [domain.id]);
    });
    this.recipientCache.clear();
  }

  /** Sets (or clears with null) the catch-all target: mail to unknown users of the domain goes there. */
  async setCatchAll(name: string, target: string | null): Promise<void> {
    const domain = await this.requireDomain(name);
    const normalised = target === null ? null : this.address(target).address;
    await this.db.query(`UPDATE domains SET catch_all = $2 WHERE id = $1`, [domain.id, normalised]);
    this.recipientCache.clear();
  }

  // Accounts ----------------------------------------------------------------

  async addAccount(
    address: string,
    password: string,
    options: { quotaBytes?: number | null } = {},
  ): Promise<Account> {
    const parsed = this.address(address);
    if (!password) throw new DirectoryError('invalid', 'password must not be empty');
    const domain = await this.getDomain(parsed.domain);
    if (!domain) throw new DirectoryError('unknown-domain', `domain ${parsed.domain} is not hosted here`);
    const passwordHash = await hashPassword(password);
    return this.db
      .transaction(async (tx) => {
        const clash = await tx.query(`SELECT 1 FROM aliases WHERE source = $1 LIMIT 1`, [parsed.key]);
        if (clash.rows.length > 0) throw new DirectoryError('duplicate', `${parsed.key} is already an alias`);
        const result = await tx.query<AccountRow>(
          `INSERT INTO accounts (domain_id, address, password_hash, quota_bytes)
         VALUES ($1, $2, $3, $4) ON CONFLICT (address) DO NOTHING RETURNING *`,
          [domain.id, parsed.key, passwordHash, options.quotaBytes ?? null],
        );
        if (result.rows.length === 0)
          throw new DirectoryError('duplicate', `account ${parsed.key} already exists`);
        await createDefaultMailboxes(tx, result.rows[0].id);
        return toAccount(result.rows[0]);
      })
      .finally(() => this.recipientCache.clear());
  }

  async getAccount(address: string): Promise<Account | null> {
    let key: string;
    try {
      key = parseAddress(address, { utf8: true }).key;
    } catch {
      return null;
    }
    const result = await this.db.query<AccountRow>(`SELECT * FROM accounts WHERE address = $1`, [key]);
    return result.rows[0] ? toAccount(result.rows[0]) : null;
  }

  async getAccountById(id: number): Promise<Account | null> {
    const result = await this.db.query<AccountRow>(`SELECT * FROM accounts WHERE id = $1`, [id]);
    return result.rows[0] ? toAccount(result.rows[0]) : null;
  }

  async listAccounts(domainName?: string): Promise<Account[]> {
    const domain = domainName ? await this.requireDomain(domainName) : null;
    const result = await this.db.query<AccountRow>(
      `SELECT * FROM accounts WHERE ($1::bigint IS NULL OR domain_id = $1) ORDER BY address`,
      [domain?.id ?? null],
    );
    return result.rows.map(toAccount);
  }

  async setPassword(address: string, password: string): Promise<void> {
    if (!password) throw new DirectoryError('invalid', 'password must not be empty');
    const account = await this.requireAccount(address);
    await this.db.query(`UPDATE accounts SET password_hash = $2 WHERE id = $1`, [
      account.id,
      await hashPassword(password),
    ]);
  }

  async setQuota(address: string, quotaBytes: number | null): Promise<void> {
    const account = await this.requireAccount(address);
    await this.db.query(`UPDATE accounts SET quota_bytes = $2 WHERE id = $1`, [account.id, quotaBytes]);
    this.recipientCache.clear();
  }

  async setDisabled(address: string, disabled: boolean): Promise<void> {
    const account = await this.requireAccount(address);
    await this.db.query(`UPDATE accounts SET disabled = $2 WHERE id = $1`, [account.id, disabled]);
    this.recipientCache.clear();
  }

  /** Removes the account, its mailboxes and messages (their blobs lose a reference each). */
  async removeAccount(address: string): Promise<void> {
    const account = await this.requireAccount(address);
    await this.db.transaction(async (tx) => {
      await releaseAccountBlobs(tx, account.id);
      await tx.query(`DELETE FROM accounts WHERE id = $1`, [account.id]);
    });
    this.recipientCache.clear();
  }

  /** Checks a password; null for unknown, disabled or wrong. Same work either way (no user probing by timing). */
  async authenticate(address: string, password: string): Promise<Account | null> {
    let key: string | null = null;
    try {
      key = parseAddress(address, { utf8: true }).key;
    } catch {
      key = null;
    }
    const result = key
      ? await this.db.query<AccountRow>(`SELECT * FROM accounts WHERE address = $1`, [key])
      : { rows: [] as AccountRow[] };
    const row = result.rows[0];
    const ok =
      (row && this.verified.has(row.address, password, row.password_hash)) ||
      (await verifyPassword(password, row?.password_hash ?? DUMMY_HASH));
    if (!row || !ok || row.disabled) return null;
    this.verified.remember(row.address, password, row.password_hash);
    return toAccount(row);
  }

  // Aliases and forwards ----------------------------------------------------

  /** Adds FROM → TO… . A target may be local or remote (a forward); FROM may not be an account; no loops. */
  async addAlias(source: string, targets: string[]): Promise<Alias[]> {
    const from = this.address(source);
    if (targets.length === 0) throw new DirectoryError('invalid', 'an alias needs at least one target');
    const to = targets.map((target) => this.address(target).address.toLowerCase());
    const domain = await this.getDomain(from.domain);
    if (!domain) throw new DirectoryError('unknown-domain', `domain ${from.domain} is not hosted here`);
    return this.db
      .transaction(async (tx) => {
        const account = await tx.query(`SELECT 1 FROM accounts WHERE address = $1`, [from.key]);
        if (account.rows.length > 0) {
          throw new DirectoryError(
            'duplicate',
            `${from.key} is an account; set its forwarding instead (nimbus user forward)`,
          );
        }
        await refuseLoop(tx, from.key, to);
        const added: Alias[] = [];
        for (const target of to) {
          const result = await tx.query(
            `INSERT INTO aliases (domain_id, source, target) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id`,
            [domain.id, from.key, target],
          );
          if (result.rows.length > 0) added.push({ source: from.key, target });
        }
        if (added.length === 0)
          throw new DirectoryError('duplicate', `alias ${from.key} already has those targets`);
        return added;
      })
      .finally(() => this.recipientCache.clear());
  }

  async listAliases(domainName?: string): Promise<Alias[]> {
    const domain = domainName ? await this.requireDomain(domainName) : null;
    const result = await this.db.query<Alias>(
      `SELECT source, target FROM aliases WHERE ($1::bigint IS NULL OR domain_id = $1) ORDER BY source, target`,
      [domain?.id ?? null],
    );
    return result.rows;
  }

  /** Removes one target of an alias, or the whole alias when no target is given. */
  async removeAlias(source: string, target?: string): Promise<number> {
    const from = this.address(source).key;
    const result = await this.db.query(
      `DELETE FROM aliases WHERE source = $1 AND ($2::text IS NULL OR target = $2)`,
      [from, target ? this.address(target).key : null],
    );
    this.recipientCache.clear();
    if (result.rowCount === 0)
      throw new DirectoryError('not-found', `no alias ${from}${target ? ` → ${target}` : ''}`);
    return result.rowCount;
  }

  // Routing -----------------------------------------------------------------

  /** The sender rewriting of forwarded mail, where configured. */
  get srs(): Srs | undefined {
    return this.options.srs;
  }

  private listLookup?: (address: string) => Promise<boolean>;

  /**
   * Mailing lists own addresses too (post, -request, -bounces+VERP, …): the composition root
   * plugs their lookup in, so the MX accepts them; delivery hands them to the list code first.
   */
  useListLookup(lookup: (address: string) => Promise<boolean>): void {
    this.listLookup = lookup;
  }

  /** Where mail for an envelope recipient goes (aliases, accounts, forwarding, catch-all, lists). */
  async resolve(address: string): Promise<Resolution> {
    const resolution = await RecipientRouter.resolve(this.db, address, this.options.srs);
    if (resolution.kind === 'unknown-user' && (await this.listLookup?.(address)))
      return { kind: 'resolved', accounts: [], remote: [] };
    return resolution;
  }

  /** resolve() through the recipient cache: for the SMTP RCPT check, not for delivery. */
  cachedResolve(address: string): Promise<Resolution> {
    return this.recipientCache.resolve(address, () => this.resolve(address));
  }

  /** isLocalDomain() through the recipient cache: for the SMTP paths, not for delivery. */
  cachedIsLocalDomain(name: string): Promise<boolean> {
    return this.recipientCache.isLocalDomain(name, () => this.isLocalDomain(name));
  }

  // Helpers -----------------------------------------------------------------

  private domainName(name: string): string {
    try {
      return normaliseDomain(name);
    } catch (error) {
      throw new DirectoryError('bad-domain', (error as Error).message);
    }
  }

  private address(value: string) {
    try {
      return parseAddress(value, { utf8: true });
    } catch (error) {
      if (error instanceof AddressError) throw new DirectoryError('bad-address', error.message);
      throw error;
    }
  }

  private async requireDomain(name: string): Promise<Domain> {
    const domain = await this.getDomain(this.domainName(name));
    if (!domain) throw new DirectoryError('unknown-domain', `domain ${name} is not hosted here`);
    return domain;
  }

  private async requireAccount(address: string): Promise<Account> {
    const parsed = this.address(address);
    const account = await this.getAccount(parsed.key);
    if (!account) throw new DirectoryError('not-found', `no account ${parsed.key}`);
    return account;
  }
}

// A valid hash of a random password, checked when the user does not exist so timing does not tell.
const DUMMY_HASH =
  '$scrypt$N=32768,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

async function releaseAccountBlobs(tx: SqlExecutor, accountId: number): Promise<void> {
  await tx.query(
    `UPDATE blobs b SET refcount = b.refcount - m.n, updated_at = now()
     FROM (SELECT blob_key, count(*)::int AS n FROM messages
           WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = $1) GROUP BY blob_key) m
     WHERE b.key = m.blob_key`,
    [accountId],
  );
}

function toDomain(row: { id: number; name: string; catch_all: string | null; created_at: Date }): Domain {
  return { id: row.id, name: row.name, catchAll: row.catch_all, createdAt: new Date(row.created_at) };
}
