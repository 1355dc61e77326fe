import type { SqlExecutor } from '../ports/sql';
import { DirectoryError } from './errors';

/**
 * Loop detection for aliases and account forwarding. Routing survives a loop (RecipientRouter
 * stops at an address already seen), but a loop is always a mistake — a pure alias loop bounces
 * every message as an unknown user — so it is refused when created, with the path in the message.
 */

/** Addresses visited before the check gives up (an alias graph this deep is a mistake too). */
const MAX_VISITS = 10_000;

/** Where mail for `address` goes next: its alias targets and, for an account, its forwarding targets. */
async function nextHops(db: SqlExecutor, address: string): Promise<string[]> {
  const result = await db.query<{ target: string }>(
    `SELECT target FROM aliases WHERE source = $1
     UNION SELECT f.target FROM account_forwards f JOIN accounts a ON a.id = f.account_id WHERE a.address = $1`,
    [address],
  );
  return result.rows.map((row) => row.target.toLowerCase());
}

/**
 * The path by which adding `source → targets` would lead back to `source` (through the aliases
 * and forwarding already stored), or null. The stored hops of `source` itself are never followed,
 * so a forwarding change that replaces them is judged on its new targets alone.
 */
export async function findLoop(
  db: SqlExecutor,
  source: string,
  targets: string[],
  lookup: (address: string) => Promise<string[]> = (address) => nextHops(db, address),
): Promise<string[] | null> {
  const from = source.toLowerCase();
  const parent = new Map<string, string>();
  const queue: string[] = [];
  for (const target of targets.map((t) => t.toLowerCase())) {
    if (target === from) return [from, from];
    if (!parent.has(target)) {
      parent.set(target, from);
      queue.push(target);
    }
  }
  while (queue.length > 0 && parent.size < MAX_VISITS) {
    const address = queue.shift()!;
    for (const hop of await lookup(address)) {
      if (hop === from) return [...pathTo(parent, address, from), from];
      if (!parent.has(hop)) {
        parent.set(hop, address);
        queue.push(hop);
      }
    }
  }
  return null;
}

function pathTo(parent: Map<string, string>, address: string, root: string): string[] {
  const path = [address];
  let current = address;
  while (current !== root) {
    current = parent.get(current)!;
    path.unshift(current);
  }
  return path;
}

/** Throws the refusal (`alias-loop`) when `source → targets` would close a loop. */
export async function refuseLoop(
  db: SqlExecutor,
  source: string,
  targets: string[],
  what = 'alias',
): Promise<void> {
  const loop = await findLoop(db, source, targets);
  if (loop) {
    throw new DirectoryError(
      'alias-loop',
      `${what} ${source} → ${targets.join(', ')} would make a loop: ${loop.join(' → ')}`,
    );
  }
}

/**
 * A loop anywhere in an in-memory graph (a configuration profile on top of what is stored),
 * as a path, or null. Iterative depth-first search with three colours.
 */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 1 | 2>(); // 1: on the current path, 2: done
  for (const start of edges.keys()) {
    if (state.has(start)) continue;
    const stack: { node: string; next: number }[] = [{ node: start, next: 0 }];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const hops = edges.get(top.node) ?? [];
      if (top.next >= hops.length) {
        state.set(top.node, 2);
        stack.pop();
        continue;
      }
      const hop = hops[top.next++];
      const seen = state.get(hop);
      if (seen === 1) {
        const path = stack.map((frame) => frame.node);
        return [...path.slice(path.indexOf(hop)), hop];
      }
      if (seen === undefined) {
        state.set(hop, 1);
        stack.push({ node: hop, next: 0 });
      }
    }
  }
  return null;
}

/**
 * Refuses `extra` edges (source → target pairs, e.g. a configuration profile's aliases and
 * forwarding) when, together with what is stored, they make a loop.
 */
export async function refuseLoopsWith(db: SqlExecutor, extra: readonly [string, string][]): Promise<void> {
  const stored = await db.query<{ source: string; target: string }>(
    `SELECT source, target FROM aliases
     UNION SELECT a.address, f.target FROM account_forwards f JOIN accounts a ON a.id = f.account_id`,
  );
  const edges = new Map<string, string[]>();
  const add = (source: string, target: string) => {
    const from = source.toLowerCase();
    edges.set(from, [...(edges.get(from) ?? []), target.toLowerCase()]);
  };
  for (const row of stored.rows) add(row.source, row.target);
  for (const [source, target] of extra) add(source, target);
  const loop = findCycle(edges);
  if (loop)
    throw new DirectoryError('alias-loop', `aliases and forwarding would make a loop: ${loop.join(' → ')}`);
}
