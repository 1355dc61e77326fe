/**
 * NOTIFY arguments (RFC 5465 §8) and mailbox matching (§6): examples, the composition rules of
 * §5 and §6.1, and properties — any bytes parse or throw ParseError; a command built from a
 * random model parses back to it; acceptance of an event list follows exactly the §5 rules.
 */
import fc from 'fast-check';
import { DELIVERY_MAILBOXES, eventsFor, filterMatches } from '../../../containers/imap/notify-filter';
import {
  MAILBOX_EVENTS,
  MESSAGE_EVENTS,
  parseNotify,
  type EventGroup,
  type KnownEvent,
  type NotifyFilter,
} from '../../../containers/imap/parser/notify-grammar';
import { ParseError, Tokenizer } from '../../../containers/imap/parser/tokenizer';

const SEED = 20261203;
const RUNS = 300;

const parse = (text: string) => parseNotify(new Tokenizer(Buffer.from(' ' + text)), false);

function set(text: string): EventGroup[] {
  const command = parse(/^set /i.test(text) ? text : 'SET ' + text);
  if (command.kind !== 'set') throw new Error('expected SET');
  return command.groups;
}

describe('NOTIFY grammar', () => {
  it('NONE, and SET with and without STATUS', () => {
    expect(parse('NONE')).toEqual({ kind: 'none' });
    expect(parse('none')).toEqual({ kind: 'none' });
    const command = parse('SET STATUS (PERSONAL (MessageNew MessageExpunge)) (INBOXES NONE)');
    expect(command).toMatchObject({ kind: 'set', status: true });
    const groups = set('set (inboxes (messagenew messageexpunge flagchange))');
    expect(groups).toHaveLength(1);
    expect(groups[0].filter).toEqual({ kind: 'inboxes' });
    expect([...groups[0].events]).toEqual(['MessageNew', 'MessageExpunge', 'FlagChange']);
  });

  it('every mailbox filter, names taken literally (wildcards included)', () => {
    const groups = set(
      '(SELECTED-DELAYED NONE) (SUBSCRIBED (MailboxName)) (SUBTREE Lists (MailboxName)) ' +
        '(MAILBOXES ("a b" inbox "x*%") (SubscriptionChange)) (PERSONAL (ServerMetadataChange))',
    );
    expect(groups.map((g) => g.filter)).toEqual([
      { kind: 'selected-delayed' },
      { kind: 'subscribed' },
      { kind: 'subtree', names: ['Lists'] },
      { kind: 'mailboxes', names: ['a b', 'INBOX', 'x*%'] },
      { kind: 'personal' },
    ]);
    expect(groups[0].events.size).toBe(0);
  });

  it("keeps MessageNew's fetch-att list as sent, telling it apart from the next event", () => {
    const [group] = set(
      '(SELECTED (MessageNew (UID BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]) MessageExpunge))',
    );
    expect(group.fetch?.toString()).toBe('(UID BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])');
    expect([...group.events]).toEqual(['MessageNew', 'MessageExpunge']);
    expect(set('(SELECTED (MessageExpunge MessageNew))')[0].fetch).toBeNull();
  });

  it('collects unknown events for BADEVENT instead of refusing the syntax', () => {
    const [group] = set('(PERSONAL (MessageNew X-Future MessageExpunge))');
    expect(group.unknown).toEqual(['X-Future']);
  });

  it.each([
    ['', /Missing arguments/],
    ['SET', /Missing arguments/],
    ['FROB', /NOTIFY SET or NOTIFY NONE/],
    ['NONE (PERSONAL NONE)', /extra/],
    ['SET STATUSX (PERSONAL NONE)', /STATUS or an event group/],
    ['SET (PERSONAL ())', /Empty list/],
    ['SET (PERSONAL)', /space/],
    ['SET (PERSONAL NOPE)', /event list or NONE/],
    ['SET (ELSEWHERE NONE)', /Unknown NOTIFY mailbox filter/],
    ['SET (MAILBOXES () NONE)', /Empty list/],
    ['SET (PERSONAL (MessageNew))', /together/],
    ['SET (PERSONAL (MessageExpunge))', /together/],
    ['SET (PERSONAL (FlagChange))', /need MessageNew/],
    ['SET (PERSONAL (AnnotationChange MessageNew))', /together/],
    ['SET (SELECTED (MailboxName))', /cannot be used with SELECTED/],
    ['SET (SELECTED-DELAYED (SubscriptionChange))', /cannot be used with SELECTED-DELAYED/],
    ['SET (SELECTED NONE) (SELECTED-DELAYED NONE)', /Only one/],
    ['SET (SELECTED NONE) (SELECTED NONE)', /Only one/],
    ['SET (PERSONAL (MessageNew (NOPE) MessageExpunge))', /Unknown FETCH item/],
    ['SET (PERSONAL (FlagChange (UID) MessageNew MessageExpunge))', /atom/],
    ['SET (PERSONAL NONE)  (INBOXES NONE)', /Expected "\("/],
    ['SET (PERSONAL NONE) ', /Expected "\("/],
  ])('refuses %j', (text, reason) => {
    expect(() => parse(text)).toThrow(ParseError);
    expect(() => parse(text)).toThrow(reason);
  });
});

describe('mailbox matching', () => {
  const box = (name: string, subscribed = false) => ({ name, subscribed });

  it('each filter', () => {
    expect(filterMatches({ kind: 'personal' }, box('Any/Thing'))).toBe(true);
    for (const name of DELIVERY_MAILBOXES) expect(filterMatches({ kind: 'inboxes' }, box(name))).toBe(true);
    expect(filterMatches({ kind: 'inboxes' }, box('Lists'))).toBe(false);
    expect(filterMatches({ kind: 'subscribed' }, box('A', true))).toBe(true);
    expect(filterMatches({ kind: 'subscribed' }, box('A'))).toBe(false);
    const subtree: NotifyFilter = { kind: 'subtree', names: ['Lists'] };
    expect(filterMatches(subtree, box('Lists'))).toBe(true);
    expect(filterMatches(subtree, box('Lists/ietf'))).toBe(true);
    expect(filterMatches(subtree, box('Listserv'))).toBe(false);
    const mailboxes: NotifyFilter = { kind: 'mailboxes', names: ['Lists', 'x*'] };
    expect(filterMatches(mailboxes, box('Lists/ietf'))).toBe(false);
    expect(filterMatches(mailboxes, box('x*'))).toBe(true);
    expect(filterMatches(mailboxes, box('xy'))).toBe(false);
    expect(filterMatches({ kind: 'selected' }, box('INBOX'))).toBe(false);
  });

  it('matching groups add their events; a matching NONE clears what came before', () => {
    const groups = set(
      '(PERSONAL (MessageNew MessageExpunge)) (MAILBOXES Spam NONE) (SUBTREE Spam (MailboxName))',
    );
    expect([...eventsFor(groups, box('INBOX'))]).toEqual(['MessageNew', 'MessageExpunge']);
    expect([...eventsFor(groups, box('Spam'))]).toEqual(['MailboxName']);
    expect([...eventsFor(set('(MAILBOXES Spam NONE) (PERSONAL (MailboxName))'), box('Spam'))]).toEqual([
      'MailboxName',
    ]);
    // The SELECTED group never applies to other mailboxes.
    expect(eventsFor(set('(SELECTED (MessageNew MessageExpunge))'), box('INBOX')).size).toBe(0);
  });
});

describe('properties', () => {
  const params = { seed: SEED, numRuns: RUNS };

  it('any argument bytes parse or throw ParseError', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        ' ',
        '(',
        ')',
        '"',
        'SET',
        'NONE',
        'STATUS',
        'SELECTED',
        'SELECTED-DELAYED',
        'PERSONAL',
        'SUBTREE',
        'MAILBOXES',
        'MessageNew',
        'MessageExpunge',
        'FlagChange',
        'MailboxName',
        'UID',
        'BODY.PEEK[HEADER]',
        '{3}\r\n',
        'INBOX',
      ),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), fc.uint8Array({ maxLength: 8 }), (pieces, tail) => {
        const bytes = Buffer.concat([Buffer.from(' ' + pieces.join('')), Buffer.from(tail)]);
        try {
          parseNotify(new Tokenizer(bytes), false);
        } catch (error) {
          if (!(error instanceof ParseError)) throw error;
        }
      }),
      params,
    );
  });

  const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._-]{0,10}$/);
  const otherFilter: fc.Arbitrary<NotifyFilter> = fc.oneof(
    fc.constantFrom<NotifyFilter>({ kind: 'inboxes' }, { kind: 'personal' }, { kind: 'subscribed' }),
    fc
      .record({
        kind: fc.constantFrom<'subtree' | 'mailboxes'>('subtree', 'mailboxes'),
        names: fc.array(name, { minLength: 1, maxLength: 3 }),
      })
      .map((f) => ({ ...f, names: f.names.map((n) => (/^inbox$/i.test(n) ? 'INBOX' : n)) })),
  );
  /** Event lists that obey §5: MessageNew and MessageExpunge together, FlagChange only with them. */
  const validEvents = fc
    .record({ message: fc.boolean(), flags: fc.boolean(), mailbox: fc.subarray([...MAILBOX_EVENTS]) })
    .map(({ message, flags, mailbox }) => [
      ...(message ? (['MessageNew', 'MessageExpunge'] as KnownEvent[]) : []),
      ...(message && flags ? (['FlagChange'] as KnownEvent[]) : []),
      ...mailbox,
    ]);

  const quote = (n: string): string => `"${n}"`;
  const render = (filter: NotifyFilter): string =>
    'names' in filter
      ? `${filter.kind.toUpperCase()} (${filter.names.map(quote).join(' ')})`
      : filter.kind.toUpperCase();

  it('a command built from a random model parses back to it', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.option(fc.constantFrom<NotifyFilter>({ kind: 'selected' }, { kind: 'selected-delayed' })),
        fc.array(fc.record({ filter: otherFilter, events: validEvents }), { minLength: 1, maxLength: 4 }),
        (status, selected, others) => {
          const groups = [
            ...(selected
              ? [{ filter: selected, events: ['MessageNew', 'MessageExpunge'] as KnownEvent[] }]
              : []),
            ...others,
          ];
          const text =
            'SET' +
            (status ? ' STATUS' : '') +
            groups
              .map(
                (g) => ` (${render(g.filter)} ${g.events.length > 0 ? `(${g.events.join(' ')})` : 'NONE'})`,
              )
              .join('');
          const command = parse(text);
          expect(command).toMatchObject({ kind: 'set', status });
          if (command.kind !== 'set') return;
          expect(command.groups.map((g) => ({ filter: g.filter, events: [...g.events] }))).toEqual(groups);
        },
      ),
      params,
    );
  });

  it('an event list is accepted exactly when it follows the composition rules', () => {
    fc.assert(
      fc.property(
        fc.subarray([...MESSAGE_EVENTS, ...MAILBOX_EVENTS], { minLength: 1 }),
        fc.boolean(),
        (events, selected) => {
          const has = (e: string): boolean => events.includes(e as KnownEvent);
          const ok =
            has('MessageNew') === has('MessageExpunge') &&
            (!(has('FlagChange') || has('AnnotationChange')) || has('MessageNew')) &&
            (!selected || events.every((e) => (MESSAGE_EVENTS as readonly string[]).includes(e)));
          const text = `SET (${selected ? 'SELECTED' : 'PERSONAL'} (${events.join(' ')}))`;
          if (ok) expect(() => parse(text)).not.toThrow();
          else expect(() => parse(text)).toThrow(ParseError);
        },
      ),
      params,
    );
  });

  it('a matching NONE group as the last one always mutes a mailbox', () => {
    fc.assert(
      fc.property(fc.array(otherFilter, { maxLength: 4 }), name, (filters, mailbox) => {
        const groups: EventGroup[] = [
          ...filters.map((filter) => ({
            filter,
            events: new Set<KnownEvent>(['MailboxName']),
            fetch: null,
            unknown: [],
          })),
          { filter: { kind: 'mailboxes', names: [mailbox] }, events: new Set(), fetch: null, unknown: [] },
        ];
        expect(eventsFor(groups, { name: mailbox, subscribed: true }).size).toBe(0);
      }),
      params,
    );
  });
});
