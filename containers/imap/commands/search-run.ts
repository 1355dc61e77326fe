/**
 * What SEARCH, SORT, THREAD and the CONTEXT updates share: the CHARSET decoder, the session's
 * search candidates, and the compilation of parsed keys into the core form (sequence numbers,
 * "$" and \Recent become UID sets), then the evaluation against the mailbox.
 */
import { TextDecoder } from 'node:util';
import { evaluate, type CoreSearchKey, type SearchRow } from '../../../core/store/search/search-engine';
import type { SequenceSet } from '../parser/grammar';
import type { SearchKey } from '../parser/search-grammar';
import type { Tokenizer } from '../parser/tokenizer';
import type { ImapSession } from '../session';
import { no, type CommandResult } from '../types';
import { UidRequiredError } from '../uidonly';

export class BadCharsetError extends Error {}

export const BADCHARSET = no('Charset not supported', 'BADCHARSET (UTF-8 US-ASCII)');

export function decoderFor(charset: string | null): (b: Buffer) => string {
  const name = (charset ?? 'UTF-8').toUpperCase();
  if (name === 'UTF-8' || name === 'US-ASCII' || name === 'UTF8') return (b) => b.toString('utf8');
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(name);
  } catch {
    throw new BadCharsetError(name);
  }
  return (b) => decoder.decode(b);
}

/**
 * Parses a SEARCH or SORT program. A charset we cannot decode answers `NO [BADCHARSET]` (returned
 * as `refused`); a command that fails while asking for RETURN (SAVE) empties "$" (RFC 5182 §2.1).
 */
export function parseProgram<P>(
  s: ImapSession,
  t: Tokenizer,
  parse: (t: Tokenizer, decoders: typeof decoderFor) => P,
): { program: P } | { refused: CommandResult } {
  try {
    return { program: parse(t, decoderFor) };
  } catch (error) {
    if (/\bRETURN\s*\([^)]*SAVE/i.test(t.buf.toString('latin1'))) s.saved = [];
    if (error instanceof BadCharsetError) return { refused: BADCHARSET };
    throw error;
  }
}

/** The messages a search looks at: the client's view, minus expunges it has not been told of. */
export function candidates(s: ImapSession): number[] {
  const selected = s.selected!;
  return selected.pendingExpunges.size === 0
    ? selected.uids
    : selected.uids.filter((u) => !selected.pendingExpunges.has(u));
}

/**
 * A sequence set as a SEARCH key: numbers beyond the mailbox match nothing rather than being an
 * error (RFC 9051 §6.4.4, RFC 4731 §3.1) — `1000` matches nothing, `3:1000` is `3:*`, and
 * `1000:*` still contains `*` because a range is the same read either way (RFC 9051 §9).
 * FETCH, STORE and COPY keep refusing such numbers with BAD.
 */
export function clampSequenceSet(set: SequenceSet, exists: number): SequenceSet {
  if (set.saved) return set;
  const ranges: [number, number][] = [];
  for (const [a, b] of set.ranges) {
    if (exists === 0) break;
    const from = a === -1 ? exists : a;
    const to = b === -1 ? exists : b;
    const lo = Math.min(from, to);
    const hi = Math.max(from, to);
    if (lo > exists) continue;
    ranges.push([lo, Math.min(hi, exists)]);
  }
  return { saved: false, ranges };
}

/** The parsed key in core form; `usesModseq` records a MODSEQ criterion (RFC 7162 §3.1.5). */
export function compile(s: ImapSession, key: SearchKey, usesModseq: { value: boolean }): CoreSearchKey {
  const selected = s.selected!;
  switch (key.op) {
    case 'and':
      return { op: 'and', keys: key.keys.map((k) => compile(s, k, usesModseq)) };
    case 'or':
      return { op: 'or', left: compile(s, key.left, usesModseq), right: compile(s, key.right, usesModseq) };
    case 'not':
      return { op: 'not', key: compile(s, key.key, usesModseq) };
    case 'seq':
      if (s.uidonly && !key.set.saved) throw new UidRequiredError(); // RFC 9586 §3
      return {
        op: 'uids',
        uids: new Set(selected.resolve(clampSequenceSet(key.set, selected.exists), false, s.saved)),
      };
    case 'uid':
      return { op: 'uids', uids: new Set(selected.resolve(key.set, true, s.saved)) };
    case 'recent': {
      const set: CoreSearchKey = { op: 'uids', uids: new Set(s.rev2 ? [] : selected.recent) };
      return key.present ? set : { op: 'not', key: set };
    }
    case 'new':
      return {
        op: 'and',
        keys: [
          { op: 'uids', uids: new Set(s.rev2 ? [] : selected.recent) },
          { op: 'flag', flag: '\\Seen', present: false },
        ],
      };
    case 'modseq':
      usesModseq.value = true;
      s.enableCondstore(); // a CONDSTORE-enabling command (RFC 7162 §3.1)
      return key;
    default:
      return key;
  }
}

/** The rows of `uids` (default: the candidates) that match `key`, in UID order, with what `extra` asks for. */
export async function matchingRows(
  s: ImapSession,
  key: CoreSearchKey,
  extra: { envelope?: boolean; text?: boolean } = {},
  uids: number[] = candidates(s),
): Promise<SearchRow[]> {
  if (uids.length === 0) return [];
  const rows = await s.services.search.rows(s.selected!.id, uids, key, extra);
  const now = Date.now();
  return rows.filter((r) => evaluate(key, r, now));
}
