/**
 * Versioned schema migrations. One SQL dialect (PostgreSQL) for PGlite, PostgreSQL and Aurora:
 * every statement here must run unchanged on all three.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'directory, mailbox index, blobs, spool',
    sql: `
CREATE TABLE domains (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  catch_all TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
  id BIGSERIAL PRIMARY KEY,
  domain_id BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  address TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  quota_bytes BIGINT,
  used_bytes BIGINT NOT NULL DEFAULT 0,
  disabled BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX accounts_domain_idx ON accounts(domain_id);

CREATE TABLE aliases (
  id BIGSERIAL PRIMARY KEY,
  domain_id BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (source, target)
);

CREATE SEQUENCE uidvalidity_seq;
SELECT setval('uidvalidity_seq', floor(extract(epoch FROM now()))::bigint);

CREATE TABLE mailboxes (
  id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  special_use TEXT,
  subscribed BOOLEAN NOT NULL DEFAULT true,
  uidvalidity BIGINT NOT NULL DEFAULT nextval('uidvalidity_seq'),
  uidnext BIGINT NOT NULL DEFAULT 1,
  highestmodseq BIGINT NOT NULL DEFAULT 1,
  message_count BIGINT NOT NULL DEFAULT 0,
  unseen_count BIGINT NOT NULL DEFAULT 0,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (account_id, name)
);

CREATE TABLE blobs (
  key TEXT PRIMARY KEY,
  size BIGINT NOT NULL,
  refcount INTEGER NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX blobs_unreferenced_idx ON blobs(updated_at) WHERE refcount <= 0;

CREATE TABLE messages (
  id BIGSERIAL PRIMARY KEY,
  mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid BIGINT NOT NULL,
  modseq BIGINT NOT NULL,
  flags TEXT[] NOT NULL DEFAULT '{}',
  internal_date TIMESTAMPTZ NOT NULL,
  size BIGINT NOT NULL,
  blob_key TEXT NOT NULL REFERENCES blobs(key),
  header_prefix BYTEA NOT NULL,
  structure JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (mailbox_id, uid)
);
CREATE INDEX messages_mailbox_modseq_idx ON messages(mailbox_id, modseq);

CREATE TABLE expunged_messages (
  mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
  uid BIGINT NOT NULL,
  modseq BIGINT NOT NULL,
  PRIMARY KEY (mailbox_id, uid)
);

-- Delivery dedupe: at-least-once spools may hand the same job over twice.
CREATE TABLE deliveries (
  queue_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  delivered_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (queue_id, recipient)
);

CREATE TABLE spool_jobs (
  id TEXT PRIMARY KEY,
  queue TEXT NOT NULL,
  state TEXT NOT NULL,
  payload JSONB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  visible_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  lease_owner TEXT,
  last_error TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX spool_jobs_ready_idx ON spool_jobs(queue, visible_at) WHERE state IN ('ready', 'leased');

-- Exclusive POP3 maildrop locks that work across processes sharing one database.
CREATE TABLE maildrop_locks (
  account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  owner TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'imap: recent tracking, dangling subscriptions, search text, vanished history index',
    sql: `
-- UIDs at or above recent_uid have not yet been reported as \\Recent to any session (RFC 3501).
ALTER TABLE mailboxes ADD COLUMN recent_uid BIGINT NOT NULL DEFAULT 1;
UPDATE mailboxes SET recent_uid = uidnext;

-- Subscriptions to names that have no mailbox (RFC 3501 §6.3.6: deleting a mailbox keeps its
-- subscription). Subscriptions of existing mailboxes live in mailboxes.subscribed.
CREATE TABLE mailbox_subscriptions (
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  PRIMARY KEY (account_id, name)
);

-- Decoded header/body text for SEARCH, filled lazily the first time a text search needs it.
CREATE TABLE message_search (
  message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  refs TEXT NOT NULL DEFAULT ''
);

CREATE INDEX expunged_messages_modseq_idx ON expunged_messages(mailbox_id, modseq);
`,
  },
];
