/**
 * SEARCH / UID SEARCH (RFC 9051 §6.4.4) with ESEARCH (RFC 4731), SEARCHRES (RFC 5182),
 * CONDSTORE MODSEQ, WITHIN; SORT and THREAD (RFC 5256).
 */
import { baseSubject } from '../../../core/store/search/base-subject';
import {
  evaluate,
  sentTime,
  type CoreSearchKey,
  type SearchRow,
} from '../../../core/store/search/search-engine';
import {
  formatThreads,
  parseMessageIds,
  threadOrderedSubject,
  threadReferences,
  type ThreadInput,
} from '../../../core/store/search/thread';
import { TextDecoder } from 'node:util';
import { decodeHeaderValue } from '../../../core/mime';
import { formatSequenceSet } from '../format/strings';
import { parseSearchKey, parseSearchProgram, type SearchKey } from '../parser/search-grammar';
import { ParseError, type Tokenizer } from '../parser/tokenizer';
import type { ImapSession } from '../session';
import { no, ok, type CommandResult } from '../types';
import type { CommandContext, Handler } from './context';

class BadCharsetError extends Error {}

function decoderFor(charset: string | null): (b: Buffer) => string {
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

const BADCHARSET = no('Charset not supported', 'BADCHARSET (UTF-8 US-ASCII)');

function candidates(s: ImapSession): number[] {
  const selected = s.selected!;
  return selected.pendingExpunges.size === 0
    ? selected.uids
    : selected.uids.filter((u) => !selected.pendingExpunges.has(u));
}

/** Turns the parsed key into the core form: sequence sets and \Recent become UID sets. */
function compile(s: ImapSession, key: SearchKey, usesModseq: { value: boolean }): CoreSearchKey {
  const selected = s.selected!;
  switch (key.op) {
    case 'and':
      return { op: 'and', keys: key.keys.map((k) => compile(s, k, usesModseq)) };
    case 'or':
      return { op: 'or', left: compile(s, key.left, usesModseq), right: compile(s, key.right, usesModseq) };
    case 'not':
      return { op: 'not', key: compile(s, key.key, usesModseq) };
    case 'seq':
      return { op: 'uids', uids: new Set(selected.resolve(key.set, false, s.saved)) };
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
      s.enabled.add('CONDSTORE'); // a CONDSTORE-enabling command (RFC 7162 §3.1)
      return key;
    default:
      return key;
  }
}

async function runSearch(
  s: ImapSession,
  t: Tokenizer,
  charsetFirst: boolean,
  extra: { envelope?: boolean; text?: boolean } = {},
): Promise<{ rows: SearchRow[]; usesModseq: boolean } | CommandResult> {
  let key: SearchKey;
  try {
    if (charsetFirst) {
      const charset = t.astring();
      const decode = decoderFor(charset);
      t.sp();
      const keys: SearchKey[] = [parseSearchKey(t, decode)];
      while (!t.atEnd) {
        t.sp();
        keys.push(parseSearchKey(t, decode));
      }
      key = keys.length === 1 ? keys[0] : { op: 'and', keys };
    } else {
      throw new Error('unreachable');
    }
  } catch (error) {
    if (error instanceof BadCharsetError) return BADCHARSET;
    throw error;
  }
  const usesModseq = { value: false };
  const core = compile(s, key, usesModseq);
  const engine = s.services.search;
  const all = candidates(s);
  const rows = await engine.rows(s.selected!.id, all, core, extra);
  const now = Date.now();
  return { rows: rows.filter((r) => evaluate(core, r, now)), usesModseq: usesModseq.value };
}

export const search: Handler = async (s, { tag, uid, t }: CommandContext) => {
  const selected = s.selected!;
  t.sp();
  let program;
  try {
    program = parseSearchProgram(t, decoderFor);
  } catch (error) {
    // RFC 5182 §2.1: a failed SEARCH ... SAVE leaves "$" empty.
    if (/\bRETURN\s*\([^)]*SAVE/i.test(t.buf.toString('latin1'))) s.saved = [];
    if (error instanceof BadCharsetError) return BADCHARSET;
    throw error;
  }
  const usesModseq = { value: false };
  const core = compile(s, program.key, usesModseq);
  if (usesModseq.value) s.enabled.add('CONDSTORE');
  const matched = await s.services.search.search(selected.id, candidates(s), core);
  const uids = matched.map((r) => r.uid);
  const numbers = uid ? uids : uids.map((u) => selected.seqOf(u));
  const maxModseq = matched.reduce((m, r) => Math.max(m, r.modseq), 0);
  const returns = program.returns ?? (s.rev2 ? ['ALL'] : null);
  if (!returns) {
    const modseq = usesModseq.value && numbers.length > 0 ? ` (MODSEQ ${maxModseq})` : '';
    s.send(`* SEARCH${numbers.map((n) => ' ' + n).join('')}${modseq}\r\n`);
    return ok('SEARCH completed');
  }
  const wants = new Set(returns);
  if (wants.has('SAVE')) {
    let saved = uids;
    if (wants.has('MIN') || wants.has('MAX')) {
      saved = [];
      if (wants.has('MIN') && uids.length > 0) saved.push(uids[0]);
      if (wants.has('MAX') && uids.length > 0 && uids[uids.length - 1] !== saved[0])
        saved.push(uids[uids.length - 1]);
    }
    s.saved = saved;
    if (wants.size === 1) return ok('SEARCH completed, result saved');
  }
  const parts = [`* ESEARCH (TAG "${tag.replace(/[\\"]/g, '\\$&')}")`];
  if (uid) parts.push('UID');
  if (numbers.length > 0) {
    if (wants.has('MIN')) parts.push(`MIN ${numbers[0]}`);
    if (wants.has('MAX')) parts.push(`MAX ${numbers[numbers.length - 1]}`);
    if (wants.has('ALL')) parts.push(`ALL ${formatSequenceSet(numbers)}`);
  }
  if (wants.has('COUNT')) parts.push(`COUNT ${numbers.length}`);
  if (usesModseq.value && numbers.length > 0) parts.push(`MODSEQ ${maxModseq}`);
  s.send(parts.join(' ') + '\r\n');
  return ok('SEARCH completed');
};

// SORT --------------------------------------------------------------------------------------

const SORT_KEYS = new Set([
  'ARRIVAL',
  'CC',
  'DATE',
  'FROM',
  'SIZE',
  'SUBJECT',
  'TO',
  'DISPLAYFROM',
  'DISPLAYTO',
]);

type Env = NonNullable<SearchRow['envelope']>;

function addressKey(list: Env['from'], display: boolean): string {
  const first = list?.find((a) => a.host !== null || a.mailbox !== null);
  if (!first) return '';
  if (display && first.name) return decodeHeaderValue(first.name).toLowerCase();
  return (first.mailbox ?? '').toLowerCase();
}

function sortValue(row: SearchRow, key: string): string | number {
  const env = row.envelope;
  switch (key) {
    case 'ARRIVAL':
      return row.internalDate.getTime();
    case 'SIZE':
      return row.size;
    case 'DATE':
      return sentTime(env?.date) ?? row.internalDate.getTime();
    case 'SUBJECT':
      return baseSubject(env?.subject ?? null).base;
    case 'FROM':
      return addressKey(env?.from ?? null, false);
    case 'TO':
      return addressKey(env?.to ?? null, false);
    case 'CC':
      return addressKey(env?.cc ?? null, false);
    case 'DISPLAYFROM':
      return addressKey(env?.from ?? null, true);
    default:
      return addressKey(env?.to ?? null, true);
  }
}

export const sort: Handler = async (s, { uid, t }) => {
  const selected = s.selected!;
  t.sp();
  const criteria: { key: string; reverse: boolean }[] = [];
  t.list(() => {
    let name = t.atom().toUpperCase();
    let reverse = false;
    if (name === 'REVERSE') {
      reverse = true;
      t.sp();
      name = t.atom().toUpperCase();
    }
    if (!SORT_KEYS.has(name)) throw new ParseError(`Unknown sort key ${name}`);
    criteria.push({ key: name, reverse });
  }, false);
  t.sp();
  const found = await runSearch(s, t, true, { envelope: true });
  if ('status' in found) return found;
  const rows = found.rows;
  const values = new Map(rows.map((r) => [r.uid, criteria.map((c) => sortValue(r, c.key))]));
  rows.sort((a, b) => {
    const va = values.get(a.uid)!;
    const vb = values.get(b.uid)!;
    for (let i = 0; i < criteria.length; i++) {
      const x = va[i];
      const y = vb[i];
      const cmp = typeof x === 'number' ? x - (y as number) : x < y ? -1 : x > y ? 1 : 0;
      if (cmp !== 0) return criteria[i].reverse ? -cmp : cmp;
    }
    return a.uid - b.uid;
  });
  const numbers = rows.map((r) => (uid ? r.uid : selected.seqOf(r.uid)));
  s.send(`* SORT${numbers.map((n) => ' ' + n).join('')}\r\n`);
  return ok('SORT completed');
};

export const thread: Handler = async (s, { uid, t }) => {
  const selected = s.selected!;
  t.sp();
  const algorithm = t.atom().toUpperCase();
  if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES') {
    throw new ParseError(`Unknown threading algorithm ${algorithm}`);
  }
  t.sp();
  const found = await runSearch(s, t, true, { envelope: true, text: algorithm === 'REFERENCES' });
  if ('status' in found) return found;
  const inputs: ThreadInput[] = found.rows.map((r) => {
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
