/**
 * Migrations for URLAUTH access keys (RFC 4467): versions 68-69. Same dialect rules as migrations.ts.
 */
import type { Migration } from './migrations';

export const imapUrlauthMigrations: Migration[] = [
  {
    version: 68,
    name: 'URLAUTH mailbox access keys',
    // One key per mailbox (RFC 4467 §3): deleting the mailbox (or the account) drops it, so a
    // re-created mailbox of the same name never accepts the old URLs.
    sql: `
CREATE TABLE urlauth_keys (
  mailbox_id BIGINT PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  access_key BYTEA NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX urlauth_keys_account_idx ON urlauth_keys(account_id);
`,
  },
];
