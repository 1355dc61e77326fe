import type { SqlExecutor } from '../ports/sql';

/** Push state of an account's calendars and address books: changes whenever any collection's revision moves. */
export interface PimStates {
  calendars: string;
  addressbooks: string;
}

/**
 * One `id.revision` pair per collection (base 36), like the mail state vector: a write to an
 * object bumps its collection's sync_revision, and creating or deleting a collection changes the set.
 */
export async function pimStates(db: SqlExecutor, accountId: number): Promise<PimStates> {
  const rows = await db.query<{ id: string | number; home: string; sync_revision: string | number }>(
    `SELECT id, home, sync_revision FROM pim_collections WHERE account_id = $1 ORDER BY id`,
    [accountId],
  );
  const states: PimStates = { calendars: 'p', addressbooks: 'p' };
  for (const row of rows.rows) {
    const pair = `${Number(row.id).toString(36)}.${Number(row.sync_revision).toString(36)}_`;
    if (row.home === 'calendars') states.calendars += pair;
    else if (row.home === 'addressbooks') states.addressbooks += pair;
  }
  return states;
}
