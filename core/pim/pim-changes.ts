/**
 * The change log behind sync tokens (RFC 6578): every write bumps the collection's revision and
 * records the member name it touched. Revisions live in SQL, so a token stays valid on every node
 * and across restarts; rows older than the retention are pruned and older tokens are reported
 * truncated (the client then syncs from scratch).
 */
import type { SqlExecutor } from '../ports/sql';
import type { PimLimits } from './pim-errors';
import { OBJECT_COLUMNS, toObject, type ObjectRow } from './pim-rows';
import type { PimChanges } from './types';

/** Bumps the collection's revision and logs `names` at it; returns the new revision. */
export async function recordChange(
  tx: SqlExecutor,
  collectionId: number,
  changes: { name: string; deleted: boolean }[],
  limits: PimLimits,
): Promise<number> {
  const bumped = await tx.query<{ sync_revision: string | number }>(
    `UPDATE pim_collections SET sync_revision = sync_revision + 1 WHERE id = $1 RETURNING sync_revision`,
    [collectionId],
  );
  const revision = Number(bumped.rows[0]?.sync_revision ?? 0);
  for (const change of changes) {
    await tx.query(
      `INSERT INTO pim_changes (collection_id, revision, name, deleted) VALUES ($1, $2, $3, $4)
       ON CONFLICT (collection_id, revision, name) DO UPDATE SET deleted = EXCLUDED.deleted`,
      [collectionId, revision, change.name, change.deleted],
    );
  }
  // Pruning now and then keeps writes cheap; what it removes moves pruned_revision up.
  if (revision % 64 === 0) await pruneChanges(tx, collectionId, revision, limits);
  return revision;
}

export async function pruneChanges(
  tx: SqlExecutor,
  collectionId: number,
  revision: number,
  limits: PimLimits,
): Promise<void> {
  const removed = await tx.query<{ top: string | number | null }>(
    `WITH gone AS (
       DELETE FROM pim_changes WHERE collection_id = $1
         AND (revision <= $2 OR changed_at < now() - make_interval(days => $3))
       RETURNING revision)
     SELECT max(revision) AS top FROM gone`,
    [collectionId, revision - limits.changeRetentionRevisions, limits.changeRetentionDays],
  );
  const top = removed.rows[0]?.top;
  if (top !== null && top !== undefined)
    await tx.query(
      `UPDATE pim_collections SET pruned_revision = GREATEST(pruned_revision, $2) WHERE id = $1`,
      [collectionId, Number(top)],
    );
}

/**
 * What changed after `since` (null: everything, the initial sync). With `limit`, at most that many
 * names, and `revision` is the revision the client may continue from.
 */
export async function changesSince(
  db: SqlExecutor,
  collection: { id: number; syncRevision: number; prunedRevision: number },
  since: number | null,
  limit?: number,
): Promise<PimChanges> {
  if (since === null) {
    const rows = await db.query<ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM pim_objects WHERE collection_id = $1 ORDER BY id`,
      [collection.id],
    );
    const all = rows.rows.map(toObject);
    // An initial sync is not paged: the token is only worth something once the client has it all.
    return { revision: collection.syncRevision, changed: all, deleted: [], truncated: false };
  }
  if (since > collection.syncRevision || since < collection.prunedRevision)
    return { revision: collection.syncRevision, changed: [], deleted: [], truncated: true };
  const latest = await db.query<{ name: string; deleted: boolean; revision: string | number }>(
    `SELECT DISTINCT ON (name) name, deleted, revision FROM pim_changes
     WHERE collection_id = $1 AND revision > $2 ORDER BY name, revision DESC`,
    [collection.id, since],
  );
  let entries = latest.rows
    .map((r) => ({ name: r.name, deleted: r.deleted, revision: Number(r.revision) }))
    .sort((a, b) => a.revision - b.revision || a.name.localeCompare(b.name));
  let revision = collection.syncRevision;
  if (limit !== undefined && entries.length > limit) {
    // Cut at a revision boundary so the returned token covers exactly what was returned.
    const cut = entries[limit - 1].revision;
    const kept = entries.filter((e) => e.revision <= cut);
    if (kept.length > limit && limit > 0) {
      const below = entries.filter((e) => e.revision < cut);
      entries = below.length > 0 ? below : kept;
    } else entries = kept;
    revision = entries.length > 0 ? entries[entries.length - 1].revision : since;
  }
  const changedNames = entries.filter((e) => !e.deleted).map((e) => e.name);
  const objects = changedNames.length
    ? (
        await db.query<ObjectRow>(
          `SELECT ${OBJECT_COLUMNS} FROM pim_objects WHERE collection_id = $1 AND name = ANY($2::text[])`,
          [collection.id, changedNames],
        )
      ).rows.map(toObject)
    : [];
  const present = new Set(objects.map((o) => o.name));
  const deleted = entries.filter((e) => e.deleted || !present.has(e.name)).map((e) => e.name);
  return { revision, changed: objects, deleted, truncated: false };
}
