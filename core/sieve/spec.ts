/**
 * Argument schemas of commands and tests (RFC 5228 §2.6, §2.7) and the shared tag groups:
 * COMPARATOR, MATCH-TYPE (with relational :count/:value), ADDRESS-PART (with subaddress)
 * and index's :index/:last.
 */
import type { Runtime } from './runtime';
import type { SieveNode } from './types';

export type ArgType = 'string' | 'stringlist' | 'number';

export interface TagSpec {
  name: string;
  /** Extension that must be required for the tag to be usable. */
  ext?: string;
  /** Type of the argument that follows the tag, if it takes one. */
  param?: ArgType;
  /** Tags of one group exclude each other. */
  group?: string;
}

/** How a command ends: continue with the next one, stop everything, or leave the include. */
export type Signal = 'next' | 'stop' | 'return';

export interface ValidateInfo {
  requires: ReadonlySet<string>;
  global: boolean;
}

export interface Spec {
  name: string;
  kind: 'command' | 'test';
  /** Extensions that must all be required. */
  ext?: string[];
  tags?: TagSpec[];
  /** Positional arguments in order. */
  args: ArgType[];
  /** How many leading positional arguments may be left out (hasflag's variable list). */
  optionalLeading?: number;
  /** How many trailing positional arguments may be left out (deleteheader's value patterns). */
  optionalTrailing?: number;
  tests?: 'none' | 'one' | 'list';
  block?: boolean;
  /** Further checks on a node with well-formed arguments; returns an error message or null. */
  check?(node: SieveNode, info: ValidateInfo): string | null;
  run?(node: SieveNode, rt: Runtime): Promise<Signal>;
  test?(node: SieveNode, rt: Runtime): Promise<boolean>;
}

export const COMPARATOR_TAGS: TagSpec[] = [{ name: 'comparator', param: 'string', group: 'comparator' }];

export const MATCH_TAGS: TagSpec[] = [
  { name: 'is', group: 'match' },
  { name: 'contains', group: 'match' },
  { name: 'matches', group: 'match' },
  { name: 'count', param: 'string', group: 'match', ext: 'relational' },
  { name: 'value', param: 'string', group: 'match', ext: 'relational' },
];

export const ADDRESS_PART_TAGS: TagSpec[] = [
  { name: 'all', group: 'address-part' },
  { name: 'localpart', group: 'address-part' },
  { name: 'domain', group: 'address-part' },
  { name: 'user', group: 'address-part', ext: 'subaddress' },
  { name: 'detail', group: 'address-part', ext: 'subaddress' },
];

export const INDEX_TAGS: TagSpec[] = [
  { name: 'index', param: 'number', ext: 'index' },
  { name: 'last', ext: 'index' },
];

/** Tags every matching test takes. */
export const MATCHING_TAGS: TagSpec[] = [...COMPARATOR_TAGS, ...MATCH_TAGS];

/** First string of a positional argument (validation guarantees the type). */
export function argStrings(node: SieveNode, index: number): string[] {
  const value = node.args[index];
  return Array.isArray(value) ? value : [];
}

export function argNumber(node: SieveNode, index: number): number {
  const value = node.args[index];
  return typeof value === 'number' ? value : 0;
}

export function tagString(node: SieveNode, name: string): string | undefined {
  const value = node.tags[name];
  if (Array.isArray(value)) return value[0];
  return typeof value === 'string' ? value : undefined;
}

export function tagStrings(node: SieveNode, name: string): string[] | undefined {
  const value = node.tags[name];
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : undefined;
}

export function tagNumber(node: SieveNode, name: string): number | undefined {
  const value = node.tags[name];
  return typeof value === 'number' ? value : undefined;
}
