/**
 * Migrations for mailbox and server METADATA (RFC 5464): versions 70-71. Same dialect rules as migrations.ts.
 */
import type { Migration } from './migrations';

export const imapMetadataMigrations: Migration[] = [
  {
    version: 70,
    name: 'IMAP METADATA: server and mailbox entries, private per user, shared per mailbox',
    // account_id is whose entry it is: the user for /private entries, the mailbox owner for /shared
    // ones (limits count against it). mailbox_id NULL is a server entry (mailbox ""). Both cascade,
    // so deleting a mailbox or an account drops its entries; RENAME keeps the id and so the entries.
    // The unique key uses COALESCE because NULLS NOT DISTINCT needs PostgreSQL 15.
    sql: `
CREATE TABLE imap_metadata (
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  mailbox_id BIGINT REFERENCES mailboxes(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value BYTEA NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX imap_metadata_key ON imap_metadata (account_id, (COALESCE(mailbox_id, 0)), name);
CREATE INDEX imap_metadata_mailbox_idx ON imap_metadata (mailbox_id);
`,
  },
];
