/**
 * Migrations for list archives and digests (issue #17): versions 135–139. Same dialect rules as
 * migrations.ts. Rows go with their list (lists, migrations-lists.ts).
 * Every row that needs a message's bytes holds a blob reference (core/store/blob-refs.ts).
 */
import type { Migration } from './migrations';

export const listsArchiveMigrations: Migration[] = [
  {
    version: 135,
    name: 'list archives: posts in the blob store, their structure and search text in SQL',
    sql: `
CREATE TABLE list_archive (
  id BIGSERIAL PRIMARY KEY,
  list_id BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  -- The permalink's id (Archived-At, RFC 5064): random, so ids say nothing about volume.
  public_id TEXT NOT NULL UNIQUE,
  blob_key TEXT NOT NULL REFERENCES blobs(key),
  size BIGINT NOT NULL,
  structure JSONB NOT NULL,
  message_id TEXT,
  subject TEXT NOT NULL DEFAULT '',
  from_text TEXT NOT NULL DEFAULT '',
  sent_at TIMESTAMPTZ,
  archived_at TIMESTAMPTZ NOT NULL,
  -- 'YYYY-MM' of archived_at (UTC): the archive is browsed by month.
  month TEXT NOT NULL,
  search_headers TEXT NOT NULL,
  search_body TEXT NOT NULL,
  -- One archived copy per post: a fan-out retried after a crash archives nothing twice.
  UNIQUE (list_id, blob_key)
);
CREATE INDEX list_archive_month_idx ON list_archive(list_id, month, id);
`,
  },
  {
    version: 136,
    name: 'list digests: thresholds, collected posts, issued digests (sent once)',
    sql: `
CREATE TABLE list_digest_settings (
  list_id BIGINT PRIMARY KEY REFERENCES lists(id) ON DELETE CASCADE,
  -- A digest goes out early once this many posts (0: no limit) or bytes (0: no limit) wait.
  max_posts INTEGER NOT NULL DEFAULT 0,
  max_bytes BIGINT NOT NULL DEFAULT 0,
  volume INTEGER NOT NULL DEFAULT 1,
  last_issue INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE list_digest_items (
  id BIGSERIAL PRIMARY KEY,
  list_id BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  blob_key TEXT NOT NULL REFERENCES blobs(key),
  size BIGINT NOT NULL,
  added_at TIMESTAMPTZ NOT NULL,
  -- NULL while waiting; the period of the digest that took it.
  digest_period TEXT,
  UNIQUE (list_id, blob_key)
);
CREATE INDEX list_digest_items_pending_idx ON list_digest_items(list_id, id) WHERE digest_period IS NULL;

CREATE TABLE list_digests (
  list_id BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  period TEXT NOT NULL,
  volume INTEGER NOT NULL,
  issue INTEGER NOT NULL,
  built_at TIMESTAMPTZ NOT NULL,
  -- building → sending (blobs stored, copies being enqueued from cursor) → sent; empty: no posts.
  state TEXT NOT NULL,
  mime_blob TEXT REFERENCES blobs(key),
  mime_size BIGINT,
  plain_blob TEXT REFERENCES blobs(key),
  plain_size BIGINT,
  cursor TEXT,
  sent_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (list_id, period)
);

-- A member's digest format; absent: MIME (RFC 2046 multipart/digest).
CREATE TABLE list_digest_formats (
  list_id BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  format TEXT NOT NULL,
  PRIMARY KEY (list_id, address)
);
`,
  },
];
