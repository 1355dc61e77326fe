/**
 * Migrations for list posting (issue #17): versions 130–134. Same dialect rules as migrations.ts.
 */
import type { Migration } from './migrations';

export const listPostingMigrations: Migration[] = [
  {
    version: 130,
    name: 'List fan-out progress: the member cursor of each running fan-out job',
    sql: `
-- One row per fan-out job while it runs: the last member id whose copy was enqueued. A node that
-- dies mid-list leaves it here; the job's next lease resumes after it (a replayed page is harmless:
-- per-member job ids are deterministic and enqueue is idempotent on them).
CREATE TABLE list_fanout_progress (
  queue_id TEXT PRIMARY KEY,
  list_id BIGINT NOT NULL,
  cursor_member_id BIGINT NOT NULL DEFAULT 0,
  sent BIGINT NOT NULL DEFAULT 0,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
`,
  },
];
