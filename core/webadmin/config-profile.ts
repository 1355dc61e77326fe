/**
 * Configuration export/import as one versioned document (the original product's backup utility):
 * domains, accounts (password hashes, never plaintext), aliases, forwarding, security settings and
 * DKIM keys (private keys stay sealed with the installation's secret key). Import is one
 * transaction and idempotent: existing entries are updated, nothing is deleted.
 */
import { createDefaultMailboxes } from '../directory/default-mailboxes';
import type { SqlDatabase } from '../ports/sql';
import { RelayDomainStore, formatHostPort, type RelayDomainInput } from '../relay-domains/relay-domain-store';

export const CONFIG_FORMAT = 'nimbus-config';
export const CONFIG_VERSION = 1;

export interface ConfigProfile {
  format: typeof CONFIG_FORMAT;
  version: number;
  exportedAt: string;
  domains: { name: string; catchAll: string | null }[];
  accounts: {
    address: string;
    domain: string;
    passwordHash: string;
    quotaBytes: number | null;
    disabled: boolean;
  }[];
  aliases: { source: string; domain: string; target: string }[];
  /** Per-account forwarding; absent in documents from before it existed. */
  forwards?: { address: string; target: string; keepCopy: boolean }[];
  security: { scope: string; key: string; value: unknown }[];
  dkim: { domain: string; selector: string; algorithm: string; privateKeyEnc: string; publicKey: string }[];
  /** Relay domains (docs/etrn.md), deliverTo as HOST:PORT; absent in documents from before them. */
  relayDomains?: RelayDomainInput[];
}

export async function exportConfig(db: SqlDatabase): Promise<ConfigProfile> {
  const domains = await db.query<{ name: string; catch_all: string | null }>(
    `SELECT name, catch_all FROM domains ORDER BY name`,
  );
  const accounts = await db.query<{
    address: string;
    domain: string;
    password_hash: string;
    quota_bytes: string | null;
    disabled: boolean;
  }>(
    `SELECT a.address, d.name AS domain, a.password_hash, a.quota_bytes, a.disabled FROM accounts a JOIN domains d ON d.id = a.domain_id ORDER BY a.address`,
  );
  const aliases = await db.query<{ source: string; domain: string; target: string }>(
    `SELECT a.source, d.name AS domain, a.target FROM aliases a JOIN domains d ON d.id = a.domain_id ORDER BY a.source, a.target`,
  );
  const forwards = await db.query<{ address: string; target: string; keep_copy: boolean }>(
    `SELECT a.address, f.target, f.keep_copy FROM account_forwards f JOIN accounts a ON a.id = f.account_id ORDER BY a.address, f.target`,
  );
  const security = await db.query<{ scope: string; key: string; value: unknown }>(
    `SELECT scope, key, value FROM security_settings ORDER BY scope, key`,
  );
  const dkim = await db.query<{
    domain: string;
    selector: string;
    algorithm: string;
    private_key_enc: string;
    public_key: string;
  }>(`SELECT domain, selector, algorithm, private_key_enc, public_key FROM dkim_keys ORDER BY domain`);
  return {
    format: CONFIG_FORMAT,
    version: CONFIG_VERSION,
    exportedAt: new Date().toISOString(),
    domains: domains.rows.map((r) => ({ name: r.name, catchAll: r.catch_all })),
    accounts: accounts.rows.map((r) => ({
      address: r.address,
      domain: r.domain,
      passwordHash: r.password_hash,
      quotaBytes: r.quota_bytes === null ? null : Number(r.quota_bytes),
      disabled: r.disabled,
    })),
    aliases: aliases.rows,
    forwards: forwards.rows.map((r) => ({ address: r.address, target: r.target, keepCopy: r.keep_copy })),
    security: security.rows.map((r) => ({
      ...r,
      value: typeof r.value === 'string' ? JSON.parse(r.value) : r.value,
    })),
    dkim: dkim.rows.map((r) => ({
      domain: r.domain,
      selector: r.selector,
      algorithm: r.algorithm,
      privateKeyEnc: r.private_key_enc,
      publicKey: r.public_key,
    })),
    relayDomains: (await new RelayDomainStore(db).list()).map((d) => ({
      ...d,
      deliverTo: d.deliverTo ? formatHostPort(d.deliverTo) : null,
    })),
  };
}

export class ConfigImportError extends Error {}

export async function importConfig(db: SqlDatabase, profile: unknown): Promise<Record<string, number>> {
  const p = profile as ConfigProfile;
  if (!p || p.format !== CONFIG_FORMAT) throw new ConfigImportError('not a nimbus configuration document');
  if (p.version !== CONFIG_VERSION)
    throw new ConfigImportError(
      `unsupported configuration version ${p.version} (this release reads ${CONFIG_VERSION})`,
    );
  const counts = { domains: 0, accounts: 0, aliases: 0, forwards: 0, security: 0, dkim: 0 };
  await db.transaction(async (tx) => {
    for (const d of p.domains ?? []) {
      await tx.query(
        `INSERT INTO domains (name, catch_all) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET catch_all = EXCLUDED.catch_all`,
        [d.name, d.catchAll],
      );
      counts.domains++;
    }
    for (const a of p.accounts ?? []) {
      if (!/^\$scrypt\$/.test(a.passwordHash))
        throw new ConfigImportError(`account ${a.address}: unsupported password hash`);
      const inserted = await tx.query<{ id: string }>(
        `INSERT INTO accounts (domain_id, address, password_hash, quota_bytes, disabled)
         SELECT id, $2, $3, $4, $5 FROM domains WHERE name = $1
         ON CONFLICT (address) DO UPDATE SET password_hash = EXCLUDED.password_hash, quota_bytes = EXCLUDED.quota_bytes, disabled = EXCLUDED.disabled
         RETURNING id, (xmax = 0) AS fresh`,
        [a.domain, a.address, a.passwordHash, a.quotaBytes, a.disabled],
      );
      const row = inserted.rows[0] as { id: string; fresh?: boolean } | undefined;
      if (!row) throw new ConfigImportError(`account ${a.address}: domain ${a.domain} missing`);
      if (row.fresh) await createDefaultMailboxes(tx, Number(row.id));
      counts.accounts++;
    }
    for (const a of p.aliases ?? []) {
      await tx.query(
        `INSERT INTO aliases (domain_id, source, target) SELECT id, $2, $3 FROM domains WHERE name = $1 ON CONFLICT DO NOTHING`,
        [a.domain, a.source, a.target],
      );
      counts.aliases++;
    }
    for (const f of p.forwards ?? []) {
      await tx.query(
        `INSERT INTO account_forwards (account_id, target, keep_copy) SELECT id, $2, $3 FROM accounts WHERE address = $1
         ON CONFLICT (account_id, target) DO UPDATE SET keep_copy = EXCLUDED.keep_copy`,
        [f.address, f.target, f.keepCopy],
      );
      counts.forwards++;
    }
    for (const s of p.security ?? []) {
      await tx.query(
        `INSERT INTO security_settings (scope, key, value) VALUES ($1, $2, $3) ON CONFLICT (scope, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [s.scope, s.key, JSON.stringify(s.value)],
      );
      counts.security++;
    }
    for (const k of p.dkim ?? []) {
      await tx.query(
        `INSERT INTO dkim_keys (domain, selector, algorithm, private_key_enc, public_key) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (domain) DO UPDATE SET selector = EXCLUDED.selector, algorithm = EXCLUDED.algorithm,
           private_key_enc = EXCLUDED.private_key_enc, public_key = EXCLUDED.public_key`,
        [k.domain, k.selector, k.algorithm, k.privateKeyEnc, k.publicKey],
      );
      counts.dkim++;
    }
    if (p.relayDomains) {
      const relayDomains = new RelayDomainStore(tx);
      let n = 0;
      for (const r of p.relayDomains) {
        await relayDomains.put(r).catch((error: Error) => {
          throw new ConfigImportError(`relay domain ${r.name}: ${error.message}`);
        });
        n++;
      }
      Object.assign(counts, { relayDomains: n });
    }
  });
  return counts;
}
