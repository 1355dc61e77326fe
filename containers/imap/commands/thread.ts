/** THREAD / UID THREAD (RFC 5256 §4): ORDEREDSUBJECT and REFERENCES (core/store/search/thread.ts). */
import { sentTime } from '../../../core/store/search/search-engine';
import {
  formatThreads,
  parseMessageIds,
  threadOrderedSubject,
  threadReferences,
  type ThreadInput,
} from '../../../core/store/search/thread';
import { parseSearchKeys } from '../parser/search-grammar';
import { ParseError } from '../parser/tokenizer';
import { ok } from '../types';
import type { Handler } from './context';
import { BADCHARSET, BadCharsetError, compile, decoderFor, matchingRows } from './search-run';

export const thread: Handler = async (s, { uid, t }) => {
  const selected = s.selected!;
  t.sp();
  const algorithm = t.atom().toUpperCase();
  if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES') {
    throw new ParseError(`Unknown threading algorithm ${algorithm}`);
  }
  t.sp();
  let parsed;
  try {
    const charset = t.astring();
    t.sp();
    parsed = parseSearchKeys(t, decoderFor(charset));
  } catch (error) {
    if (error instanceof BadCharsetError) return BADCHARSET;
    throw error;
  }
  const key = compile(s, parsed, { value: false });
  const rows = await matchingRows(s, key, { envelope: true, text: algorithm === 'REFERENCES' });
  const inputs: ThreadInput[] = rows.map((r) => {
    const refsLine = (r.text?.headers ?? '').split('\n').find((l) => /^references:/i.test(l));
    const references = parseMessageIds(refsLine ? refsLine.slice(11) : null);
    if (references.length === 0 && r.envelope?.inReplyTo)
      references.push(...parseMessageIds(r.envelope.inReplyTo).slice(0, 1));
    return {
      id: uid ? r.uid : selected.seqOf(r.uid),
      messageId: r.envelope?.messageId ?? null,
      references,
      subject: r.envelope?.subject ?? null,
      date: sentTime(r.envelope?.date) ?? r.internalDate.getTime(),
    };
  });
  const threads = algorithm === 'REFERENCES' ? threadReferences(inputs) : threadOrderedSubject(inputs);
  s.send(`* THREAD ${formatThreads(threads)}\r\n`);
  return ok('THREAD completed');
};
