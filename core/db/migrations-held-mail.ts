/**
 * Migrations for held mail and relay domains (issue #19): versions 140–141. Same dialect rules as
 * migrations.ts (plain SQL that runs on PGlite, PostgreSQL and the Aurora Data API).
 */
import type { Migration } from './migrations';

export const heldMailMigrations: Migration[] = [
  {
    version: 140,
    name: 'Held mail: spool jobs kept in SQL until released (relay domains, account holds)',
    sql: `
-- A job in 'hold' leaves the spool queue (SQS cannot keep a message for days) and waits here.
-- The blob reference the job held moves with it (no refcount change on hold or release).
CREATE TABLE held_mail (
  id TEXT PRIMARY KEY,
  queue TEXT NOT NULL CHECK (queue IN ('inbound', 'outbound')),
  payload JSONB NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('relay-domain', 'account')),
  domain TEXT,
  account TEXT,
  held_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  note TEXT
);
CREATE INDEX held_mail_domain_idx ON held_mail(domain, held_at);
CREATE INDEX held_mail_account_idx ON held_mail(account, held_at);
`,
  },
  {
    version: 141,
    name: 'Relay domains: store-and-forward (hold until ETRN) and backup MX, ETRN permissions, recipient lists',
    sql: `
CREATE TABLE relay_domains (
  name TEXT PRIMARY KEY,
  mode TEXT NOT NULL CHECK (mode IN ('hold', 'backup')),
  -- HOST:PORT to deliver to; NULL: the domain's MX hosts other than ourselves.
  deliver_to TEXT,
  -- JSON arrays: client networks (CIDR) allowed to send ETRN, accepted recipients (empty: all).
  etrn_networks JSONB NOT NULL DEFAULT '[]'::jsonb,
  etrn_owner TEXT,
  recipients JSONB NOT NULL DEFAULT '[]'::jsonb,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`,
  },
];
