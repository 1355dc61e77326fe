/**
 * Versioned schema migrations. One SQL dialect (PostgreSQL) for PGlite, PostgreSQL and Aurora:
 * every statement here must run unchanged on all three.
 */
import { accessMigrations } from './migrations-access';
import { deliveryFastMigrations } from './migrations-delivery-fast';
import { easMigrations } from './migrations-eas';
import { imapAclMigrations } from './migrations-imap-acl';
import { imapFastMigrations } from './migrations-imap-fast';
import { imapMessagesMigrations } from './migrations-imap-messages';
import { imapMetadataMigrations } from './migrations-imap-metadata';
import { imapUrlauthMigrations } from './migrations-imap-urlauth';
import { pimMigrations } from './migrations-pim';
import { migrationsFrom110 } from './migrations-110-plus';

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
  {
    version: 20,
    name: 'security policy: settings (global and per domain), greylisting triplets',
    sql: `
-- scope '*' is the whole installation; otherwise a hosted domain name (removed with the domain).
CREATE TABLE security_settings (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  value JSONB NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

CREATE TABLE greylist (
  network TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  first_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
  passed BOOLEAN NOT NULL DEFAULT false,
  PRIMARY KEY (network, sender, recipient)
);
CREATE INDEX greylist_last_seen_idx ON greylist(last_seen);
`,
  },
  {
    version: 10,
    name: 'DKIM signing keys (private keys encrypted at rest)',
    sql: `
CREATE TABLE dkim_keys (
  domain TEXT PRIMARY KEY,
  selector TEXT NOT NULL,
  algorithm TEXT NOT NULL DEFAULT 'rsa-sha256',
  private_key_enc TEXT NOT NULL,
  public_key TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 30,
    name: 'web: JMAP tombstones, threads, uploads, identities, submissions, vacation; web sessions; admins and audit log',
    sql: `
-- Email ids are message row ids; a deleted row leaves a tombstone so Email/changes can report it.
-- modseq is the mailbox's HIGHESTMODSEQ at deletion (NULL when the mailbox itself was deleted);
-- BEFORE DELETE so the thread row (deleted by cascade) is still there to copy.
CREATE TABLE jmap_tombstones (
  message_id BIGINT PRIMARY KEY,
  mailbox_id BIGINT NOT NULL,
  thread_id BIGINT,
  modseq BIGINT,
  deleted_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX jmap_tombstones_mailbox_idx ON jmap_tombstones(mailbox_id, modseq);

CREATE FUNCTION jmap_message_tombstone() RETURNS trigger AS $$
BEGIN
  INSERT INTO jmap_tombstones (message_id, mailbox_id, thread_id, modseq)
  VALUES (OLD.id, OLD.mailbox_id, (SELECT thread_id FROM jmap_threads WHERE message_id = OLD.id),
          (SELECT highestmodseq FROM mailboxes WHERE id = OLD.mailbox_id))
  ON CONFLICT (message_id) DO NOTHING;
  RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER messages_jmap_tombstone BEFORE DELETE ON messages
  FOR EACH ROW EXECUTE FUNCTION jmap_message_tombstone();

-- A rename, (un)subscription or role change is a Mailbox change: it bumps HIGHESTMODSEQ, which
-- IMAP allows (the value only has to grow), so JMAP Mailbox/changes sees it.
CREATE FUNCTION jmap_mailbox_bump() RETURNS trigger AS $$
BEGIN
  IF NEW.name IS DISTINCT FROM OLD.name OR NEW.subscribed IS DISTINCT FROM OLD.subscribed
     OR NEW.special_use IS DISTINCT FROM OLD.special_use THEN
    NEW.highestmodseq := GREATEST(NEW.highestmodseq, OLD.highestmodseq + 1);
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER mailboxes_jmap_bump BEFORE UPDATE ON mailboxes
  FOR EACH ROW EXECUTE FUNCTION jmap_mailbox_bump();

-- Thread of each message (filled lazily from Message-ID / In-Reply-To / References).
CREATE TABLE jmap_threads (
  message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  thread_id BIGINT NOT NULL,
  msgid TEXT
);
CREATE INDEX jmap_threads_account_msgid_idx ON jmap_threads(account_id, msgid);
CREATE INDEX jmap_threads_thread_idx ON jmap_threads(account_id, thread_id);

CREATE TABLE jmap_uploads (
  id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  blob_key TEXT NOT NULL REFERENCES blobs(key),
  size BIGINT NOT NULL,
  type TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE jmap_identities (
  id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL,
  reply_to JSONB,
  bcc JSONB,
  text_signature TEXT NOT NULL DEFAULT '',
  html_signature TEXT NOT NULL DEFAULT '',
  modseq BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX jmap_identities_account_idx ON jmap_identities(account_id);

CREATE TABLE jmap_submissions (
  id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  identity_id BIGINT NOT NULL,
  email_id BIGINT NOT NULL,
  thread_id BIGINT,
  envelope JSONB NOT NULL,
  queue_id TEXT NOT NULL,
  send_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX jmap_submissions_account_idx ON jmap_submissions(account_id, id);

CREATE TABLE jmap_vacation (
  account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  is_enabled BOOLEAN NOT NULL DEFAULT false,
  from_date TIMESTAMPTZ,
  to_date TIMESTAMPTZ,
  subject TEXT,
  text_body TEXT,
  html_body TEXT
);

-- Bearer tokens and webmail sessions (only the sha256 of the token is stored).
CREATE TABLE web_tokens (
  token_hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
  admin_id BIGINT,
  csrf TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_tokens_expiry_idx ON web_tokens(expires_at);

CREATE TABLE admins (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE admin_audit (
  id BIGSERIAL PRIMARY KEY,
  at TIMESTAMPTZ NOT NULL DEFAULT now(),
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  detail JSONB,
  outcome TEXT NOT NULL
);
CREATE INDEX admin_audit_at_idx ON admin_audit(at);
`,
  },
  {
    version: 35,
    name: 'vacation responder: one auto-reply per sender per account per 7 days (RFC 3834, RFC 5230)',
    sql: `
CREATE TABLE vacation_replies (
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  sender TEXT NOT NULL,
  sent_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, sender)
);
`,
  },
  {
    version: 36,
    name: 'per-account forwarding: targets and whether a copy stays in the mailbox',
    sql: `
-- One row per target; keep_copy is the account's setting, written alike on each of its rows.
CREATE TABLE account_forwards (
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  target TEXT NOT NULL,
  keep_copy BOOLEAN NOT NULL DEFAULT true,
  PRIMARY KEY (account_id, target)
);
`,
  },
  {
    version: 40,
    name: 'cluster registry: nodes, heartbeats, draining, sessions per protocol',
    sql: `
CREATE TABLE cluster_nodes (
  id TEXT PRIMARY KEY,
  roles TEXT[] NOT NULL,
  host TEXT NOT NULL,
  ports JSONB NOT NULL DEFAULT '{}',
  version TEXT NOT NULL,
  heartbeat_seconds INTEGER NOT NULL DEFAULT 10,
  heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  draining BOOLEAN NOT NULL DEFAULT false,
  -- Set once by the peer that noticed the missing heartbeat (and released the node's leases).
  dead_at TIMESTAMPTZ,
  stopped_at TIMESTAMPTZ,
  sessions JSONB NOT NULL DEFAULT '{}',
  started_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 41,
    name: 'recovery log: health signals and actions of nimbus doctor (cooldowns, redrive quiet period)',
    sql: `
CREATE TABLE recovery_log (
  id BIGSERIAL PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('signal', 'action')),
  key TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL,
  data JSONB NOT NULL
);
CREATE INDEX recovery_log_at_idx ON recovery_log(at);
`,
  },
  ...accessMigrations,
  ...imapMessagesMigrations,
  ...imapAclMigrations,
  ...imapUrlauthMigrations,
  ...imapMetadataMigrations,
  ...imapFastMigrations,
  ...deliveryFastMigrations,
  ...pimMigrations,
  ...easMigrations,
  ...migrationsFrom110,
];
