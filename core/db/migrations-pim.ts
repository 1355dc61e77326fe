/**
 * Migrations for calendars and contacts (core/pim, CalDAV/CardDAV): versions 90-99. Same dialect
 * rules as migrations.ts.
 */
import type { Migration } from './migrations';

export const pimMigrations: Migration[] = [
  {
    version: 90,
    name: 'pim: collections, objects (iCalendar/vCard text), change log for sync tokens, grants',
    // home: 'calendars' (calendars, schedule inbox/outbox) or 'addressbooks'. name is the path
    // under the home; plain WebDAV collections may nest ("a/b"), calendars and address books not.
    // pruned_revision: change rows at or below it are gone (older sync tokens are truncated).
    sql: `
CREATE TABLE pim_collections (
  id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  home TEXT NOT NULL CHECK (home IN ('calendars', 'addressbooks')),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  color TEXT,
  components TEXT[] NOT NULL DEFAULT '{}',
  timezone TEXT,
  sync_revision BIGINT NOT NULL DEFAULT 1,
  pruned_revision BIGINT NOT NULL DEFAULT 0,
  dead_props JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (account_id, home, name)
);

CREATE TABLE pim_objects (
  id BIGSERIAL PRIMARY KEY,
  collection_id BIGINT NOT NULL REFERENCES pim_collections(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  uid TEXT NOT NULL,
  etag TEXT NOT NULL,
  content_type TEXT NOT NULL,
  data TEXT NOT NULL,
  size INTEGER NOT NULL,
  component TEXT,
  first_start TIMESTAMPTZ,
  last_end TIMESTAMPTZ,
  dead_props JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  modified_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (collection_id, name)
);
-- UID is unique per calendar or address book (RFC 4791 §5.3.2.1, RFC 6352 §5.1); plain
-- collections store their files with uid '' (no constraint).
CREATE UNIQUE INDEX pim_objects_uid_idx ON pim_objects(collection_id, uid) WHERE uid <> '';
CREATE INDEX pim_objects_range_idx ON pim_objects(collection_id, first_start, last_end);

CREATE TABLE pim_changes (
  collection_id BIGINT NOT NULL REFERENCES pim_collections(id) ON DELETE CASCADE,
  revision BIGINT NOT NULL,
  name TEXT NOT NULL,
  deleted BOOLEAN NOT NULL,
  changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (collection_id, revision, name)
);
CREATE INDEX pim_changes_name_idx ON pim_changes(collection_id, name, revision);

CREATE TABLE pim_grants (
  collection_id BIGINT NOT NULL REFERENCES pim_collections(id) ON DELETE CASCADE,
  grantee_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  access TEXT NOT NULL CHECK (access IN ('read', 'read-write')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (collection_id, grantee_id)
);
CREATE INDEX pim_grants_grantee_idx ON pim_grants(grantee_id);
`,
  },
];
