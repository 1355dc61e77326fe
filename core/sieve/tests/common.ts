/** Shared by the matching tests: keys with variables expanded, :index selection. */
import { matchOptions, testValues, type Comparator } from '../match';
import type { Runtime } from '../runtime';
import { tagNumber } from '../spec';
import type { SieveNode } from '../types';

export function matchKeys(
  rt: Runtime,
  node: SieveNode,
  values: string[],
  keys: readonly string[],
  defaultComparator?: Comparator,
): boolean {
  const outcome = testValues(matchOptions(node, defaultComparator), values, rt.strs(keys));
  if (outcome.ok) rt.setMatch(outcome.captures);
  return outcome.ok;
}

/** RFC 5260 §6: :index N picks the Nth occurrence (from the end with :last); else all. */
export function selectIndex<T>(node: SieveNode, occurrences: T[]): T[] {
  const index = tagNumber(node, 'index');
  if (index === undefined) return occurrences;
  const i = node.tags.last === true ? occurrences.length - index : index - 1;
  return i >= 0 && i < occurrences.length ? [occurrences[i]] : [];
}
