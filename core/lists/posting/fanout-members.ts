import type { SqlExecutor } from '../../ports/sql';

export interface FanoutMember {
  id: string;
  address: string;
}

/** One keyset page of the members who get posts now: normal delivery, not disabled. */
export async function deliverableMembers(
  db: SqlExecutor,
  listId: string,
  after: string,
  limit: number,
): Promise<FanoutMember[]> {
  const rows = await db.query<{ id: string | number; address: string }>(
    `SELECT id, address FROM list_members
     WHERE list_id = $1 AND id > $2 AND delivery_mode = 'normal' AND disabled_reason IS NULL
     ORDER BY id LIMIT $3`,
    [listId, after, limit],
  );
  return rows.rows.map((r) => ({ id: String(r.id), address: r.address }));
}

/** Where a fan-out stopped (member id, copies enqueued), creating the row on first use. */
export async function readProgress(
  db: SqlExecutor,
  queueId: string,
  listId: string,
): Promise<{ cursor: string; sent: number }> {
  await db.query(
    `INSERT INTO list_fanout_progress (queue_id, list_id) VALUES ($1, $2) ON CONFLICT (queue_id) DO NOTHING`,
    [queueId, listId],
  );
  const rows = await db.query<{ cursor_member_id: string | number; sent: string | number }>(
    `SELECT cursor_member_id, sent FROM list_fanout_progress WHERE queue_id = $1`,
    [queueId],
  );
  return { cursor: String(rows.rows[0]?.cursor_member_id ?? 0), sent: Number(rows.rows[0]?.sent ?? 0) };
}

export async function saveProgress(
  db: SqlExecutor,
  queueId: string,
  cursor: string,
  sent: number,
): Promise<void> {
  await db.query(
    `UPDATE list_fanout_progress SET cursor_member_id = $2, sent = $3, updated_at = now() WHERE queue_id = $1`,
    [queueId, cursor, sent],
  );
}

export async function dropProgress(db: SqlExecutor, queueId: string): Promise<void> {
  await db.query(`DELETE FROM list_fanout_progress WHERE queue_id = $1`, [queueId]);
}
