/**
 * Migrations for mailbox ACLs and shared mailboxes (RFC 4314): versions 64-67. Same dialect rules as migrations.ts.
 */
import type { Migration } from './migrations';

export const imapAclMigrations: Migration[] = [
  {
    version: 64,
    name: 'mailbox ACLs (RFC 4314): rights per grantee account or "anyone" (same domain), negative entries',
    // grantee_id NULL is "anyone" (scoped to the owner's domain by the readers). Both foreign keys
    // cascade: deleting a mailbox or the grantee's account removes its grants.
    sql: `
CREATE TABLE mailbox_acl (
  id BIGSERIAL PRIMARY KEY,
  mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  grantee_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
  negative BOOLEAN NOT NULL DEFAULT false,
  rights TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX mailbox_acl_entry_idx ON mailbox_acl(mailbox_id, COALESCE(grantee_id, 0), negative);
CREATE INDEX mailbox_acl_grantee_idx ON mailbox_acl(grantee_id);
`,
  },
];
