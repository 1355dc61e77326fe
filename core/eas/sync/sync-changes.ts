/**
 * Server changes for a device: what is in the folder now (ItemVersions, in the source's order,
 * newest first for mail) against what the device holds (Snapshot). Pure functions: the engine
 * fetches the versions and renders the window.
 */
import type { ItemVersions } from './item-source';
import type { Snapshot } from './sync-state';

export interface PendingChanges {
  adds: string[];
  changes: string[];
  /** Gone from the folder. */
  deletes: string[];
  /** Still in the folder but outside the FilterType window (airsync:SoftDelete). */
  softDeletes: string[];
}

/**
 * `inWindow` are the items after the FilterType; `all`, when given, every item of the folder
 * (so that an item leaving the window is a SoftDelete rather than a Delete).
 */
export function pendingChanges(
  snapshot: Snapshot,
  inWindow: ItemVersions,
  all?: ItemVersions,
): PendingChanges {
  const out: PendingChanges = { adds: [], changes: [], deletes: [], softDeletes: [] };
  for (const [id, version] of inWindow) {
    const held = snapshot[id];
    if (held === undefined) out.adds.push(id);
    else if (held !== version) out.changes.push(id);
  }
  for (const id of Object.keys(snapshot)) {
    if (inWindow.has(id)) continue;
    if (all?.has(id)) out.softDeletes.push(id);
    else out.deletes.push(id);
  }
  return out;
}

export const changeCount = (p: PendingChanges): number =>
  p.adds.length + p.changes.length + p.deletes.length + p.softDeletes.length;

/** The first `size` changes: removals first (cheap, and they free the device), then changes, then adds. */
export function takeWindow(p: PendingChanges, size: number): { window: PendingChanges; more: boolean } {
  let left = Math.max(0, size);
  const take = (ids: string[]) => {
    const out = ids.slice(0, left);
    left -= out.length;
    return out;
  };
  const window: PendingChanges = {
    deletes: take(p.deletes),
    softDeletes: take(p.softDeletes),
    changes: take(p.changes),
    adds: take(p.adds),
  };
  return { window, more: changeCount(window) < changeCount(p) };
}

/** The snapshot after the device applied `window` (versions from `now`). */
export function applyWindow(snapshot: Snapshot, window: PendingChanges, now: ItemVersions): Snapshot {
  const out = { ...snapshot };
  for (const id of [...window.deletes, ...window.softDeletes]) delete out[id];
  for (const id of [...window.adds, ...window.changes]) {
    const v = now.get(id);
    if (v !== undefined) out[id] = v;
  }
  return out;
}
