/**
 * Who may read a list's archive (lists.archive_visibility): anyone when public, members when
 * 'members', nobody when 'none' (nothing is archived); the list's owners and moderators always.
 * Unknown lists and refusals are told apart only as 404 / 403 for the API to answer.
 */
import type { SqlExecutor } from '../../ports/sql';

export interface ArchiveListRow {
  id: string;
  address: string;
  name: string;
  visibility: 'members' | 'public' | 'none';
}

export async function findArchiveList(db: SqlExecutor, address: string): Promise<ArchiveListRow | null> {
  const found = await db.query<{ id: string; address: string; name: string; archive_visibility: string }>(
    `SELECT id, address, name, archive_visibility FROM lists WHERE address = lower($1)`,
    [address.trim()],
  );
  const row = found.rows[0];
  if (!row) return null;
  return {
    id: String(row.id),
    address: row.address,
    name: row.name,
    visibility: row.archive_visibility as ArchiveListRow['visibility'],
  };
}

export type ArchiveAccess = 'read' | 'login' | 'forbidden';

/** `reader`: the session's address, or null for an anonymous visitor. */
export async function archiveAccess(
  db: SqlExecutor,
  list: ArchiveListRow,
  reader: string | null,
): Promise<ArchiveAccess> {
  if (reader) {
    const role = await db.query(
      `SELECT 1 FROM list_roles WHERE list_id = $1::bigint AND lower(address) = lower($2) LIMIT 1`,
      [list.id, reader],
    );
    if (role.rows.length > 0) return 'read';
  }
  if (list.visibility === 'public') return 'read';
  if (list.visibility === 'none') return 'forbidden';
  if (!reader) return 'login';
  const member = await db.query(
    `SELECT 1 FROM list_members WHERE list_id = $1::bigint AND lower(address) = lower($2) LIMIT 1`,
    [list.id, reader],
  );
  return member.rows.length > 0 ? 'read' : 'forbidden';
}
