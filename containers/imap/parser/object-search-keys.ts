/**
 * SEARCH keys of OBJECTID (RFC 8474 §6: EMAILID, THREADID) and SAVEDATE (RFC 8514 §4:
 * SAVEDBEFORE, SAVEDON, SAVEDSINCE, SAVEDATESUPPORTED). Ids are JMAP's strings; a
 * well-formed id that names nothing simply matches no message.
 */
import { parseEmailId, parseThreadId } from '../../../core/jmap/ids';
import type { ObjectSearchKey } from '../../../core/store/search/object-keys';
import { parseDate } from './grammar';
import { ParseError, type Tokenizer } from './tokenizer';

export type { ObjectSearchKey };

const SAVED: Record<string, 'before' | 'on' | 'since'> = {
  SAVEDBEFORE: 'before',
  SAVEDON: 'on',
  SAVEDSINCE: 'since',
};

/** objectid = 1*255(ALPHA / DIGIT / "_" / "-") */
export function parseObjectId(t: Tokenizer): string {
  const start = t.pos;
  while (t.pos - start < 256 && /[A-Za-z0-9_-]/.test(t.peekChar())) t.pos++;
  const length = t.pos - start;
  if (length === 0 || length > 255) throw new ParseError('Invalid object id');
  return t.buf.toString('latin1', start, t.pos);
}

/** The key named `name` (already read), or null when it is not one of these. */
export function parseObjectSearchKey(name: string, t: Tokenizer): ObjectSearchKey | { op: 'all' } | null {
  if (name === 'EMAILID' || name === 'THREADID') {
    t.sp();
    const text = parseObjectId(t);
    return name === 'EMAILID'
      ? { op: 'emailid', id: parseEmailId(text) }
      : { op: 'threadid', id: parseThreadId(text) };
  }
  if (SAVED[name]) {
    t.sp();
    return { op: 'saved', cmp: SAVED[name], date: parseDate(t) };
  }
  // Every mailbox here keeps save dates.
  if (name === 'SAVEDATESUPPORTED') return { op: 'all' };
  return null;
}
