/**
 * Turns one server's recorded responses into canonical lines, folding away what the RFCs leave
 * to the server: response texts, UIDVALIDITY and object-id values (numbered by first
 * appearance), MODSEQ values (opaque; each step that carries some says whether it reached a
 * new highest mod-sequence, so only the order counts), dates of arrival/saving, ID and CAPABILITY contents, the order of untagged
 * responses, FETCH items, flags, STATUS items and ESEARCH results, quoted vs literal vs atom
 * spelling of strings, and sequence-set spelling. The keywords in MAILBOX_KEYWORDS_IGNORED are
 * dropped from a mailbox's FLAGS/PERMANENTFLAGS lists (never from a message's flags).
 */
import { atom, parseItems, print, text, type Node } from './sexp';
import type { StepRecord } from './script';

export interface NormalisedStep {
  index: number;
  session: string;
  label: string;
  sent: string;
  lines: string[];
}

interface Context {
  ids: Map<string, string>;
  uidvalidities: Map<string, string>;
  quotaRoots: Map<string, string>;
}

/**
 * Nimbus announces the RFC 5788 registered keywords in every mailbox's FLAGS/PERMANENTFLAGS;
 * Dovecot lists only keywords in use. Both are allowed (RFC 9051 §7.3.5).
 */
export const MAILBOX_KEYWORDS_IGNORED = new Set(['$FORWARDED', '$MDNSENT', '$JUNK', '$NOTJUNK']);

/** The CONDSTORE-enabling commands of RFC 7162 §3.1 (by their text). */
const CONDSTORE_ENABLING = /\b(CONDSTORE|QRESYNC|MODSEQ|HIGHESTMODSEQ|CHANGEDSINCE|UNCHANGEDSINCE)\b/i;

const MODSEQ_RE = /MODSEQ \(?(\d+)/g;

export function normalise(records: StepRecord[]): NormalisedStep[] {
  const ctx: Context = { ids: new Map(), uidvalidities: new Map(), quotaRoots: new Map() };
  let highest = -1n;
  const condstore = new Set<string>();
  return records.map((r) => {
    if (CONDSTORE_ENABLING.test(r.sent)) condstore.add(r.session);
    // Before CONDSTORE is on, Dovecot leaves HIGHESTMODSEQ out of SELECT/EXAMINE and Nimbus
    // sends it (RFC 7162 §3.1.2.1 asks for it on every SELECT); neither counts then.
    const responses = condstore.has(r.session)
      ? r.responses
      : r.responses.filter((l) => !/^\* OK \[HIGHESTMODSEQ /i.test(l));
    const lines = normaliseStep({ ...r, responses }, ctx);
    // MODSEQ values are opaque; what compares is whether a step reached a new highest one.
    const values = responses.flatMap((l) => [...l.matchAll(MODSEQ_RE)].map((m) => BigInt(m[1])));
    if (values.length) {
      const top = values.reduce((a, b) => (a > b ? a : b));
      lines.push(top > highest ? '(modseq: new highest)' : '(modseq: no new highest)');
      if (top > highest) highest = top;
    }
    return { index: r.index, session: r.session, label: r.label, sent: r.sent, lines };
  });
}

function normaliseStep(r: StepRecord, ctx: Context): string[] {
  const untagged: string[] = [];
  const tagged: string[] = [];
  let expunges: number[] = [];
  const flushExpunges = (): void => {
    if (expunges.length)
      untagged.push(`* EXPUNGE original-positions (${originalPositions(expunges).join(' ')})`);
    expunges = [];
  };
  for (const raw of r.responses) {
    const expunge = /^\* (\d+) EXPUNGE$/i.exec(raw);
    if (expunge) {
      expunges.push(Number(expunge[1]));
      continue;
    }
    flushExpunges();
    if (r.tag && raw.startsWith(`${r.tag} `)) tagged.push(status(raw.slice(r.tag.length + 1), ctx, 'TAGGED'));
    else if (raw.startsWith('+')) untagged.push('+');
    else if (raw.startsWith('* ')) untagged.push(...untaggedLine(raw.slice(2), r, ctx));
    else tagged.push(status(raw.replace(/^\S+ /, ''), ctx, 'OTHER-TAG'));
  }
  flushExpunges();
  if (r.statusOnly) return statusesOnly(r);
  untagged.sort();
  return [...untagged, ...tagged, ...(r.incomplete ? [`(incomplete: ${r.incomplete})`] : [])];
}

/** Bad input: only the status of the answers and the names of their response codes count. */
function statusesOnly(r: StepRecord): string[] {
  const out: string[] = [];
  for (const raw of r.responses) {
    if (raw.startsWith('+')) {
      out.push('+');
      continue;
    }
    const m = /^(\S+) (OK|NO|BAD|BYE)\b(?: \[([\w.=-]+))?/i.exec(raw);
    if (!m || (m[1] === '*' && m[2].toUpperCase() === 'OK')) continue;
    const who = m[1] === '*' ? '*' : m[1] === r.tag ? 'TAGGED' : 'OTHER-TAG';
    out.push(`${who} ${m[2].toUpperCase()}${m[3] ? ` [${m[3].toUpperCase()}]` : ''}`);
  }
  return r.incomplete ? [...out, `(incomplete: ${r.incomplete})`] : out;
}

/** `OK [CODE args] text` → `OK [CODE args']`; the human-readable text never counts. */
function status(rest: string, ctx: Context, prefix: string): string {
  const m = /^(\w+)(?: \[([^\]]*(?:\[[^\]]*\][^\]]*)*)\])?/.exec(rest);
  if (!m) return `${prefix} ${rest}`;
  const kind = m[1].toUpperCase();
  if (m[2] === undefined) return `${prefix} ${kind}`;
  return `${prefix} ${kind} [${responseCode(m[2], ctx)}]`;
}

function responseCode(code: string, ctx: Context): string {
  const [name, ...args] = parseItems(code);
  const key = (text(name) ?? '').toUpperCase();
  switch (key) {
    case 'CAPABILITY':
      return 'CAPABILITY <caps>';
    case 'UIDVALIDITY':
      return `UIDVALIDITY ${uidvalidity(args[0], ctx)}`;
    case 'HIGHESTMODSEQ':
      return `HIGHESTMODSEQ ${modseq(args[0], ctx)}`;
    case 'APPENDUID':
      return `APPENDUID ${uidvalidity(args[0], ctx)} ${seqSet(args[1], false)}`;
    case 'COPYUID':
      return `COPYUID ${uidvalidity(args[0], ctx)} ${seqSet(args[1], false)} ${seqSet(args[2], false)}`;
    case 'MODIFIED':
      return `MODIFIED ${seqSet(args[0], true)}`;
    case 'PERMANENTFLAGS':
      return `PERMANENTFLAGS ${sortedList(withoutIgnoredKeywords(args[0]))}`;
    case 'MAILBOXID':
      return `MAILBOXID (${objectId(args[0]?.t === 'list' ? args[0].items[0] : args[0], ctx)})`;
    default:
      return [name, ...args].map(print).join(' ');
  }
}

function untaggedLine(rest: string, r: StepRecord, ctx: Context): string[] {
  if (/^(OK|NO|BAD|BYE|PREAUTH)\b/i.test(rest)) return [status(rest, ctx, '*')];
  const numbered = /^(\d+) (\w+)(?: (.*))?$/s.exec(rest);
  if (numbered) {
    const kind = numbered[2].toUpperCase();
    if (kind === 'FETCH') return [`* ${numbered[1]} FETCH ${fetchItems(parseItems(numbered[3] ?? ''), ctx)}`];
    return [
      `* ${numbered[1]} ${kind}${numbered[3] ? ` ${parseItems(numbered[3]).map(print).join(' ')}` : ''}`,
    ];
  }
  const named = /^([\w.=-]+)(?: (.*))?$/s.exec(rest);
  if (!named) return [`* ${rest}`];
  const kind = named[1].toUpperCase();
  const items = parseItems(named[2] ?? '');
  switch (kind) {
    case 'CAPABILITY':
      if (!r.capabilities) return ['* CAPABILITY <caps>'];
      return items.map((c) => `* CAPABILITY ${(text(c) ?? print(c)).toUpperCase()}`);
    case 'ID':
      return ['* ID <server id>'];
    case 'FLAGS':
      return [`* FLAGS ${sortedList(withoutIgnoredKeywords(items[0]))}`];
    case 'LIST':
    case 'LSUB':
      return [
        `* ${kind} ${[sortedList(optionalAttributesDropped(items[0], kind, r.sent)), ...items.slice(1).map(print)].join(' ')}`,
      ];
    case 'STATUS':
      return [`* STATUS ${print(items[0] ?? atom(''))} ${pairs(items[1], ctx)}`];
    case 'SEARCH':
    case 'SORT':
      return [`* ${kind} ${searchNumbers(items, kind === 'SEARCH', ctx)}`.trimEnd()];
    case 'ESEARCH':
      return [`* ESEARCH ${esearch(items, ctx)}`];
    case 'VANISHED': {
      const earlier = items[0]?.t === 'list' ? `${print(items[0])} ` : '';
      return [`* VANISHED ${earlier}${seqSet(items[items.length - 1], true)}`];
    }
    case 'ACL': {
      // identifier/rights pairs in any order, rights letters in any order (RFC 4314)
      const pairs: string[] = [];
      for (let i = 1; i + 1 < items.length; i += 2) pairs.push(`${print(items[i])} ${rights(items[i + 1])}`);
      return [`* ACL ${print(items[0] ?? atom(''))} ${pairs.sort().join(' ')}`.trimEnd()];
    }
    case 'MYRIGHTS':
      return [`* MYRIGHTS ${print(items[0] ?? atom(''))} ${rights(items[1])}`];
    case 'LISTRIGHTS': {
      const groups = items.slice(3).map(rights).sort();
      return [
        `* LISTRIGHTS ${items.slice(0, 2).map(print).join(' ')} ${rights(items[2])} ${groups.join(' ')}`.trimEnd(),
      ];
    }
    case 'QUOTAROOT':
      return [
        `* QUOTAROOT ${[print(items[0] ?? atom('')), ...items.slice(1).map((n) => quotaRoot(n, ctx))].join(' ')}`,
      ];
    case 'QUOTA':
      return [`* QUOTA ${quotaRoot(items[0], ctx)} ${items.slice(1).map(print).join(' ')}`];
    default:
      return [`* ${kind}${items.length ? ` ${items.map(print).join(' ')}` : ''}`];
  }
}

function fetchItems(items: Node[], ctx: Context): string {
  const list = items[0]?.t === 'list' ? items[0].items : items;
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) {
    const key = (text(list[i]) ?? print(list[i])).toUpperCase();
    const value = list[i + 1];
    let printed: string;
    if (key === 'FLAGS') printed = sortedList(value);
    else if (key === 'MODSEQ') printed = `(${modseq(value.t === 'list' ? value.items[0] : value, ctx)})`;
    else if (key === 'BODY' || key === 'BODYSTRUCTURE') printed = print(bodyStructure(value));
    else if (key === 'INTERNALDATE' || key === 'SAVEDATE') printed = value.t === 'nil' ? 'NIL' : '<date>';
    else if (key === 'EMAILID' || key === 'THREADID')
      printed = value.t === 'list' ? `(${objectId(value.items[0], ctx)})` : print(value);
    else printed = print(value);
    out.push([key, printed]);
  }
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `(${out.map(([k, v]) => `${k} ${v}`).join(' ')})`;
}

const upper = (n: Node | undefined): Node | undefined =>
  n && (n.t === 'atom' || n.t === 'str') ? { t: 'str', v: n.v.toUpperCase() } : n;

/**
 * MIME type, subtype, encoding and parameter names are case-insensitive (RFC 2045): Dovecot
 * sends them as the message spells them, Nimbus partly upper-cased. Values stay as they are.
 */
function bodyStructure(node: Node): Node {
  if (node.t !== 'list' || node.items.length === 0) return node;
  const items = [...node.items];
  if (items[0].t === 'list') {
    // multipart: parts, then subtype and the extension data
    let i = 0;
    while (i < items.length && items[i].t === 'list') {
      items[i] = bodyStructure(items[i]);
      i++;
    }
    if (i < items.length) items[i] = upper(items[i])!;
    if (items[i + 1]?.t === 'list') items[i + 1] = paramNames(items[i + 1]);
    return { t: 'list', items };
  }
  items[0] = upper(items[0])!;
  items[1] = upper(items[1])!;
  if (items[2]) items[2] = paramNames(items[2]);
  if (items[5]) items[5] = upper(items[5])!;
  const type = `${text(items[0])}/${text(items[1])}`;
  if ((type === 'MESSAGE/RFC822' || type === 'MESSAGE/GLOBAL') && items[8])
    items[8] = bodyStructure(items[8]);
  return { t: 'list', items };
}

/** Parameter names, and the value of CHARSET (a case-insensitive charset name). */
function paramNames(node: Node): Node {
  if (node.t !== 'list') return node;
  const items = node.items.map((n, i) => (i % 2 === 0 ? upper(n)! : n));
  for (let i = 0; i + 1 < items.length; i += 2)
    if (text(items[i]) === 'CHARSET') items[i + 1] = upper(items[i + 1])!;
  return { t: 'list', items };
}

function pairs(node: Node | undefined, ctx: Context): string {
  const list = node?.t === 'list' ? node.items : [];
  const out: string[] = [];
  for (let i = 0; i + 1 < list.length; i += 2) {
    const key = (text(list[i]) ?? print(list[i])).toUpperCase();
    const value = list[i + 1];
    if (key === 'UIDVALIDITY') out.push(`${key} ${uidvalidity(value, ctx)}`);
    else if (key === 'HIGHESTMODSEQ') out.push(`${key} ${modseq(value, ctx)}`);
    else if (key === 'MAILBOXID')
      out.push(`${key} (${objectId(value.t === 'list' ? value.items[0] : value, ctx)})`);
    else out.push(`${key} ${print(value)}`);
  }
  return `(${out.sort().join(' ')})`;
}

/** SEARCH results are a set (sorted here); SORT keeps its order. A trailing (MODSEQ n) is ranked. */
function searchNumbers(items: Node[], sort: boolean, ctx: Context): string {
  const numbers: string[] = [];
  let tail = '';
  for (const n of items) {
    if (n.t === 'list') tail = ` (MODSEQ ${modseq(n.items[1], ctx)})`;
    else numbers.push(print(n));
  }
  if (sort) numbers.sort((a, b) => Number(a) - Number(b));
  return `${numbers.join(' ')}${tail}`;
}

function esearch(items: Node[], ctx: Context): string {
  const head: string[] = [];
  let i = 0;
  if (items[0]?.t === 'list') head.push(print(items[i++]));
  if ((text(items[i]) ?? '').toUpperCase() === 'UID') {
    head.push('UID');
    i++;
  }
  const results: string[] = [];
  for (; i + 1 < items.length; i += 2) {
    const key = (text(items[i]) ?? print(items[i])).toUpperCase();
    const value = items[i + 1];
    if (key === 'ALL') results.push(`ALL ${seqSet(value, true)}`);
    else if (key === 'MODSEQ') results.push(`MODSEQ ${modseq(value, ctx)}`);
    else results.push(`${key} ${print(value)}`);
  }
  if (i < items.length) results.push(print(items[i]));
  return [...head, ...results.sort()].join(' ');
}

const SPECIAL_USE = new Set(['\\ALL', '\\ARCHIVE', '\\DRAFTS', '\\FLAGGED', '\\JUNK', '\\SENT', '\\TRASH']);
const CHILD_INFO = new Set(['\\HASCHILDREN', '\\HASNOCHILDREN']);

/**
 * Attributes a server may add without being asked: child info in an extended LIST without
 * RETURN (CHILDREN) (RFC 5258 §4), special-use attributes in an extended LIST that did not ask
 * for them (RFC 6154 §2) and in LSUB. Dropped on both sides, so only requested ones compare.
 */
function optionalAttributesDropped(node: Node | undefined, kind: string, sent: string): Node | undefined {
  if (node?.t !== 'list') return node;
  const extended = /^LIST\s+\(|^LIST\s+\S+\s+\(|\bRETURN\s+\(/i.test(sent);
  const dropChildren = extended && !/\bRETURN\s+\(.*\bCHILDREN\b/i.test(sent);
  const dropSpecialUse = kind === 'LSUB' || (extended && !/\bSPECIAL-USE\b/i.test(sent));
  return {
    t: 'list',
    items: node.items.filter((n) => {
      const v = (text(n) ?? '').toUpperCase();
      return !(dropChildren && CHILD_INFO.has(v)) && !(dropSpecialUse && SPECIAL_USE.has(v));
    }),
  };
}

function withoutIgnoredKeywords(node: Node | undefined): Node | undefined {
  if (node?.t !== 'list') return node;
  return {
    t: 'list',
    items: node.items.filter((n) => !MAILBOX_KEYWORDS_IGNORED.has((text(n) ?? '').toUpperCase())),
  };
}

function rights(node: Node | undefined): string {
  const v = text(node);
  return v === null ? (node ? print(node) : '') : JSON.stringify([...v].sort().join(''));
}

function sortedList(node: Node | undefined): string {
  if (!node || node.t !== 'list') return node ? print(node) : '';
  return `(${node.items.map(print).sort().join(' ')})`;
}

function modseq(node: Node | undefined, _ctx: Context): string {
  const v = text(node);
  if (v === null || !/^\d+$/.test(v)) return node ? print(node) : '?';
  return '<modseq>';
}

function uidvalidity(node: Node | undefined, ctx: Context): string {
  return numbered(ctx.uidvalidities, text(node) ?? '?', 'uidvalidity');
}

function objectId(node: Node | undefined, ctx: Context): string {
  return numbered(ctx.ids, text(node) ?? '?', 'id');
}

function quotaRoot(node: Node | undefined, ctx: Context): string {
  return numbered(ctx.quotaRoots, text(node) ?? '?', 'quota-root');
}

function numbered(map: Map<string, string>, value: string, what: string): string {
  let out = map.get(value);
  if (!out) {
    out = `<${what}#${map.size + 1}>`;
    map.set(value, out);
  }
  return out;
}

/** A sequence set respelt canonically: ranges merged; `sorted` when it is a set, not a list. */
export function seqSet(node: Node | undefined, sorted: boolean): string {
  const v = text(node);
  if (v === null || !/^[\d:,*]+$/.test(v)) return node ? print(node) : '?';
  const numbers: number[] = [];
  for (const part of v.split(',')) {
    const [a, b] = part.split(':');
    if (a === '*' || b === '*' || numbers.length > 100_000) return v;
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    const step = hi >= lo ? 1 : -1;
    for (let n = lo; step > 0 ? n <= hi : n >= hi; n += step) numbers.push(n);
  }
  if (sorted) numbers.sort((x, y) => x - y);
  const runs: string[] = [];
  for (let i = 0; i < numbers.length;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
    runs.push(i === j ? `${numbers[i]}` : `${numbers[i]}:${numbers[j]}`);
    i = j + 1;
  }
  return runs.join(',');
}

/** A run of EXPUNGE responses as the positions the messages had before the first of them. */
export function originalPositions(expunges: number[]): number[] {
  const removed: number[] = [];
  for (const k of expunges) {
    let o = k;
    for (const r of removed) if (r <= o) o++;
    removed.push(o);
    removed.sort((a, b) => a - b);
  }
  return removed;
}
