/**
 * Migrations for mailing lists (issue #17): versions 120–129. Same dialect rules as
 * migrations.ts. A list lives in its domain next to the mailboxes; members are paged by
 * (list_id, id) so a fan-out never loads a whole list.
 */
import type { Migration } from './migrations';

export const listMigrations: Migration[] = [
  {
    version: 120,
    name: 'Mailing lists: lists, members, owners and moderators, allow list, held posts, pending confirmations',
    sql: `
CREATE TABLE lists (
  id BIGSERIAL PRIMARY KEY,
  domain_id BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  local_part TEXT NOT NULL,
  -- local_part@domain, lower case: what the router looks up.
  address TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  subject_prefix TEXT,
  footer TEXT,
  dmarc_mitigation TEXT NOT NULL DEFAULT 'munge-from' CHECK (dmarc_mitigation IN ('munge-from', 'wrap', 'none')),
  archive_visibility TEXT NOT NULL DEFAULT 'members' CHECK (archive_visibility IN ('members', 'public', 'none')),
  -- NULL: no digests; otherwise 'daily' | 'weekly' | 'monthly' (core/lists/digest).
  digest_schedule TEXT CHECK (digest_schedule IS NULL OR digest_schedule IN ('daily', 'weekly', 'monthly')),
  reply_to TEXT NOT NULL DEFAULT 'author' CHECK (reply_to IN ('author', 'list')),
  -- NULL: the node's lists.maxPostBytes.
  max_post_bytes BIGINT,
  member_policy TEXT NOT NULL DEFAULT 'accept' CHECK (member_policy IN ('accept', 'hold', 'reject', 'discard')),
  moderated_policy TEXT NOT NULL DEFAULT 'hold' CHECK (moderated_policy IN ('accept', 'hold', 'reject', 'discard')),
  nonmember_policy TEXT NOT NULL DEFAULT 'hold' CHECK (nonmember_policy IN ('accept', 'hold', 'reject', 'discard')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX lists_domain_idx ON lists(domain_id);

CREATE TABLE list_members (
  id BIGSERIAL PRIMARY KEY,
  list_id BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  display_name TEXT,
  delivery_mode TEXT NOT NULL DEFAULT 'normal' CHECK (delivery_mode IN ('normal', 'digest', 'nomail')),
  moderated BOOLEAN NOT NULL DEFAULT false,
  bounce_score REAL NOT NULL DEFAULT 0,
  last_bounce_at TIMESTAMPTZ,
  -- Set when delivery stopped ('bounces', 'owner'); NULL: active.
  disabled_reason TEXT,
  subscribed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (list_id, address)
);
-- Keyset paging of the fan-out and of listings: WHERE list_id = $1 AND id > $cursor ORDER BY id.
CREATE INDEX list_members_page_idx ON list_members(list_id, id);

CREATE TABLE list_roles (
  list_id BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'moderator')),
  PRIMARY KEY (list_id, role, address)
);

-- Senders whose posts are accepted without being members: an address or *@domain.
CREATE TABLE list_allow (
  list_id BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  pattern TEXT NOT NULL,
  PRIMARY KEY (list_id, pattern)
);

CREATE TABLE list_held (
  id BIGSERIAL PRIMARY KEY,
  list_id BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  -- One reference on the blob while the post is held (released when decided).
  blob_key TEXT NOT NULL,
  size BIGINT NOT NULL,
  queue_id TEXT NOT NULL,
  mail_from TEXT NOT NULL,
  sender TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL,
  -- sha256 of the moderation token mailed to the moderators.
  token_hash TEXT NOT NULL UNIQUE,
  held_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- A decision is recorded first, then carried out by the delivery role (a spool job).
  decision TEXT CHECK (decision IS NULL OR decision IN ('approve', 'reject', 'discard')),
  decision_reason TEXT,
  decided_by TEXT,
  decided_at TIMESTAMPTZ,
  done_at TIMESTAMPTZ,
  UNIQUE (list_id, queue_id)
);
CREATE INDEX list_held_open_idx ON list_held(list_id, id) WHERE done_at IS NULL;

CREATE TABLE list_pending (
  id BIGSERIAL PRIMARY KEY,
  list_id BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  action TEXT NOT NULL CHECK (action IN ('subscribe', 'unsubscribe')),
  address TEXT NOT NULL,
  display_name TEXT,
  expires_at TIMESTAMPTZ NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX list_pending_expiry_idx ON list_pending(expires_at);
`,
  },
];
