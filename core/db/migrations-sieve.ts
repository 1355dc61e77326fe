/**
 * Migrations for Sieve at delivery (issue #18): versions 110–114. Same dialect rules as
 * migrations.ts. A user's scripts, the per-domain global scripts run before and after them, and
 * the ids the `duplicate` test has seen.
 */
import type { Migration } from './migrations';

export const sieveMigrations: Migration[] = [
  {
    version: 110,
    name: 'Sieve scripts per account (one active), global scripts per domain, duplicate ids',
    sql: `
CREATE TABLE sieve_scripts (
  id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  -- RFC 5804 §1.6: UTF-8, no control characters; compared octet by octet.
  name TEXT NOT NULL,
  content TEXT NOT NULL,
  active BOOLEAN NOT NULL DEFAULT false,
  size INTEGER NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (account_id, name)
);
-- At most one active script per account (RFC 5804 SETACTIVE).
CREATE UNIQUE INDEX sieve_scripts_active_idx ON sieve_scripts(account_id) WHERE active;

-- Administrator scripts for every account of a domain: 'before' runs ahead of the user's
-- script, 'after' once it has finished without stopping.
CREATE TABLE sieve_global_scripts (
  domain_id BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  phase TEXT NOT NULL CHECK (phase IN ('before', 'after')),
  content TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (domain_id, phase)
);

-- RFC 7352 duplicate: a hash of the tracked value per account, until it expires. Written only
-- after the message was delivered, so a failed delivery that is retried is not a duplicate.
CREATE TABLE sieve_duplicates (
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  key_hash TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (account_id, key_hash)
);
CREATE INDEX sieve_duplicates_expiry_idx ON sieve_duplicates(expires_at);
`,
  },
];
