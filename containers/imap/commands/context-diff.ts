/**
 * The REMOVEFROM / ADDTO data of a CONTEXT update (RFC 5267 §4.3) as runs of messages at a
 * position. A client applies the REMOVEFROM runs in order, each to the list as the previous one
 * left it, then the ADDTO runs in order, and ends up with the new result. SEARCH contexts carry
 * position 0 and a single run (the order is implied by the numbers); SORT contexts carry the
 * 1-based place of the run's first message.
 */
import { formatSequenceSet } from '../format/strings';

export interface Run {
  pos: number;
  uids: number[];
}

/** Blocks of removed messages that sit next to each other in `list`, at their place then. */
export function removalRuns(list: number[], removed: Set<number>, sorted: boolean): Run[] {
  const gone = list.filter((u) => removed.has(u));
  if (!sorted) return gone.length > 0 ? [{ pos: 0, uids: gone }] : [];
  const runs: Run[] = [];
  let removedSoFar = 0;
  list.forEach((u, index) => {
    if (!removed.has(u)) return;
    const pos = index + 1 - removedSoFar;
    const last = runs[runs.length - 1];
    if (last && last.pos === pos) last.uids.push(u);
    else runs.push({ pos, uids: [u] });
    removedSoFar++;
  });
  return runs;
}

/** Blocks of added messages at consecutive places of the new list `now`. */
export function additionRuns(now: number[], added: Set<number>, sorted: boolean): Run[] {
  const fresh = now.filter((u) => added.has(u));
  if (!sorted) return fresh.length > 0 ? [{ pos: 0, uids: fresh }] : [];
  const runs: Run[] = [];
  now.forEach((u, index) => {
    if (!added.has(u)) return;
    const last = runs[runs.length - 1];
    if (last && last.pos + last.uids.length === index + 1) last.uids.push(u);
    else runs.push({ pos: index + 1, uids: [u] });
  });
  return runs;
}

/** `pos set pos set …`, messages written as the client numbers them. */
export function formatRuns(runs: Run[], toNumber: (uid: number) => number): string {
  return runs.map((r) => `${r.pos} ${formatSequenceSet(r.uids.map(toNumber))}`).join(' ');
}
