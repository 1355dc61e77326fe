/**
 * NOTIFY arguments (RFC 5465 §8) as plain data: NONE, or SET [STATUS] with event groups, each a
 * mailbox filter and an event list. The composition rules of §5 and §6.1 are checked here (they
 * are BAD); events this server does not know are collected for the handler's NO [BADEVENT].
 */
import { parseFetchItems } from './fetch-grammar';
import { parseMailbox } from './grammar';
import { ParseError, type Tokenizer } from './tokenizer';

export const MESSAGE_EVENTS = ['MessageNew', 'MessageExpunge', 'FlagChange', 'AnnotationChange'] as const;
export const MAILBOX_EVENTS = [
  'MailboxName',
  'SubscriptionChange',
  'MailboxMetadataChange',
  'ServerMetadataChange',
] as const;

export type MessageEvent = (typeof MESSAGE_EVENTS)[number];
export type KnownEvent = MessageEvent | (typeof MAILBOX_EVENTS)[number];

const CANONICAL = new Map<string, KnownEvent>(
  [...MESSAGE_EVENTS, ...MAILBOX_EVENTS].map((name) => [name.toUpperCase(), name]),
);

export type NotifyFilter =
  | { kind: 'selected' | 'selected-delayed' | 'inboxes' | 'personal' | 'subscribed' }
  | { kind: 'subtree' | 'mailboxes'; names: string[] };

export interface EventGroup {
  filter: NotifyFilter;
  /** Empty for NONE. */
  events: Set<KnownEvent>;
  /** MessageNew's fetch-att list as sent ("(" … ")"), replayed through FETCH; null if none. */
  fetch: Buffer | null;
  /** Event names this server does not know (RFC 5465: NO [BADEVENT], not BAD). */
  unknown: string[];
}

export type NotifyCommand = { kind: 'none' } | { kind: 'set'; status: boolean; groups: EventGroup[] };

const SIMPLE_FILTERS = new Set(['SELECTED', 'SELECTED-DELAYED', 'INBOXES', 'PERSONAL', 'SUBSCRIBED']);

export const isSelectedFilter = (filter: NotifyFilter): boolean =>
  filter.kind === 'selected' || filter.kind === 'selected-delayed';

function parseFilter(t: Tokenizer, utf8: boolean): NotifyFilter {
  const word = t.atom().toUpperCase();
  if (SIMPLE_FILTERS.has(word)) {
    return {
      kind: word.toLowerCase() as 'selected' | 'selected-delayed' | 'inboxes' | 'personal' | 'subscribed',
    };
  }
  if (word !== 'SUBTREE' && word !== 'MAILBOXES')
    throw new ParseError(`Unknown NOTIFY mailbox filter ${word}`);
  t.sp();
  // one-or-more-mailbox: names are taken literally, "*" and "%" included (RFC 5465 §6.6).
  const names: string[] = [];
  if (t.peek() === 0x28) t.list(() => names.push(parseMailbox(t, utf8)), false);
  else names.push(parseMailbox(t, utf8));
  return { kind: word === 'SUBTREE' ? 'subtree' : 'mailboxes', names };
}

function parseEvents(t: Tokenizer, group: EventGroup): void {
  if (t.peek() !== 0x28) {
    if (t.atom().toUpperCase() !== 'NONE') throw new ParseError('Expected an event list or NONE');
    return;
  }
  t.list(() => {
    const name = t.atom();
    const known = CANONICAL.get(name.toUpperCase());
    if (!known) {
      group.unknown.push(name);
      return;
    }
    group.events.add(known);
    // MessageNew SP "(" fetch-att … ")": the list is told apart from the next event by its "(".
    if (known === 'MessageNew' && t.peek() === 0x20 && t.buf[t.pos + 1] === 0x28) {
      t.sp();
      const start = t.pos;
      parseFetchItems(t);
      group.fetch = Buffer.from(t.buf.subarray(start, t.pos));
    }
  }, false);
}

/** RFC 5465 §5 and §6.1: what a client MUST NOT combine (BAD). */
function checkGroup(group: EventGroup): void {
  const e = group.events;
  if (e.has('MessageNew') !== e.has('MessageExpunge')) {
    throw new ParseError('MessageNew and MessageExpunge must be requested together');
  }
  if ((e.has('FlagChange') || e.has('AnnotationChange')) && !e.has('MessageNew')) {
    throw new ParseError('FlagChange and AnnotationChange need MessageNew and MessageExpunge');
  }
  if (isSelectedFilter(group.filter)) {
    const other = [...e].find((name) => !(MESSAGE_EVENTS as readonly string[]).includes(name));
    if (other) throw new ParseError(`${other} cannot be used with ${group.filter.kind.toUpperCase()}`);
  }
}

export function parseNotify(t: Tokenizer, utf8: boolean): NotifyCommand {
  t.sp();
  const verb = t.atom().toUpperCase();
  if (verb === 'NONE') {
    t.end();
    return { kind: 'none' };
  }
  if (verb !== 'SET') throw new ParseError('Expected NOTIFY SET or NOTIFY NONE');
  t.sp();
  let status = false;
  if (t.peek() !== 0x28) {
    if (t.atom().toUpperCase() !== 'STATUS') throw new ParseError('Expected STATUS or an event group');
    status = true;
    t.sp();
  }
  const groups: EventGroup[] = [];
  for (;;) {
    t.expect('(');
    const group: EventGroup = { filter: parseFilter(t, utf8), events: new Set(), fetch: null, unknown: [] };
    t.sp();
    parseEvents(t, group);
    t.expect(')');
    checkGroup(group);
    groups.push(group);
    if (t.atEnd) break;
    t.sp();
  }
  if (groups.filter((g) => isSelectedFilter(g.filter)).length > 1) {
    throw new ParseError('Only one of SELECTED and SELECTED-DELAYED may be given');
  }
  return { kind: 'set', status, groups };
}
