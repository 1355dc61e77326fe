/**
 * Migrations for outbound abuse control (issue #19): versions 150–154. Same dialect rules as
 * migrations.ts. Send counters shared by the whole cluster, the distinct values they count,
 * per-user/per-domain/per-IP limit overrides, held accounts and the last send of each account.
 */
import type { Migration } from './migrations';

export const outboundMigrations: Migration[] = [
  {
    version: 150,
    name: 'outbound: send counters, distinct recipients, limit overrides, account holds, activity',
    sql: `
-- One row per (scope, key, window, bucket): messages and distinct recipients counted there.
-- window_start is the bucket's start in seconds since the epoch.
CREATE TABLE send_counters (
  scope TEXT NOT NULL CHECK (scope IN ('user', 'domain', 'ip', 'system', 'login')),
  key TEXT NOT NULL,
  window_kind TEXT NOT NULL CHECK (window_kind IN ('burst', 'hour', 'day')),
  window_start BIGINT NOT NULL,
  messages INTEGER NOT NULL DEFAULT 0,
  recipients INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, key, window_kind, window_start)
);
CREATE INDEX send_counters_start_idx ON send_counters(window_start);

-- The values already counted in a bucket (a recipient's or a network's sha256, shortened).
CREATE TABLE send_counter_values (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  window_kind TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  value_hash TEXT NOT NULL,
  PRIMARY KEY (scope, key, window_kind, window_start, value_hash)
);
CREATE INDEX send_counter_values_start_idx ON send_counter_values(window_start);

-- Overrides of the configured limits; NULL keeps the configured value.
CREATE TABLE outbound_limits (
  scope TEXT NOT NULL CHECK (scope IN ('user', 'domain', 'ip')),
  key TEXT NOT NULL,
  messages_per_hour INTEGER,
  messages_per_day INTEGER,
  recipients_per_hour INTEGER,
  recipients_per_day INTEGER,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

-- A held account: its submitted mail is accepted and kept in held_mail, not sent.
CREATE TABLE outbound_account_holds (
  account TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  since TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- When each account last sent (the "new sending after a long quiet" signal).
CREATE TABLE outbound_activity (
  account TEXT PRIMARY KEY,
  last_sent_at TIMESTAMPTZ NOT NULL,
  woke_at TIMESTAMPTZ
);
`,
  },
];
