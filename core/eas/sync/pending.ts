/**
 * How many changes wait for a device in one collection (GetItemEstimate's Estimate, and whether
 * Ping answers Status 2): the folder's versions in the device's FilterType window against the
 * snapshot it holds.
 */
import type { EasClass, EasItemSource } from './item-source';
import { changeCount, pendingChanges } from './sync-changes';
import { folderVersions } from './sync-engine';
import { filterTypeFor, type StoredOptions } from './sync-options';
import type { Snapshot } from './sync-state';

export async function pendingCount(
  source: EasItemSource,
  accountId: number,
  collectionId: string,
  itemClass: EasClass,
  held: { snapshot: Snapshot; options: StoredOptions },
): Promise<number> {
  const filterType = filterTypeFor(held.options, itemClass);
  const { inWindow, all } = await folderVersions(source, accountId, collectionId, filterType);
  return changeCount(pendingChanges(held.snapshot, inWindow, all));
}
