/**
 * The PARTIAL FETCH modifier (RFC 9394 §3.2): `UID FETCH 1:* (FLAGS) (PARTIAL -1:-30)` fetches
 * only the given positions of the messages the UID set names — after CHANGEDSINCE has picked
 * the changed ones when both are given — counting from the lowest UID, or the highest when the
 * range is negative.
 */
import type { FetchModifiers } from '../parser/fetch-grammar';
import type { ImapSession } from '../session';
import { partialSlice } from './search-return';

export async function partialUids(s: ImapSession, uids: number[], mods: FetchModifiers): Promise<number[]> {
  if (!mods.partial) return uids;
  let pool = uids;
  const since = mods.changedSince;
  if (since !== null) {
    const rows = await s.services.search.rows(s.selected!.id, uids, { op: 'modseq', modseq: since + 1 });
    pool = rows.filter((r) => r.modseq > since).map((r) => r.uid);
  }
  return partialSlice(pool, mods.partial);
}
