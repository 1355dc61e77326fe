import fc from 'fast-check';
import { InvalidCalendarQuery, parseCalendarQuery } from '../../../core/pim/ical';
import { inCalendar, query, reportElement, timeRange } from './ical-query-helpers';

function refusal(run: () => unknown): InvalidCalendarQuery {
  try {
    run();
  } catch (err) {
    if (err instanceof InvalidCalendarQuery) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('parseCalendarQuery', () => {
  test('comp-, prop- and param-filters with text-match, negate-condition and time-range', () => {
    const q = query(
      inCalendar(
        'VEVENT',
        `${timeRange('20260301T000000Z', '20260401T000000Z')}
         <C:prop-filter name="SUMMARY"><C:text-match collation="i;octet" negate-condition="yes">Lunch</C:text-match></C:prop-filter>
         <C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT"><C:text-match>NEEDS-ACTION</C:text-match></C:param-filter></C:prop-filter>
         <C:prop-filter name="X-FOO"><C:is-not-defined/></C:prop-filter>
         <C:comp-filter name="VALARM">${timeRange(undefined, '20260302T000000Z')}</C:comp-filter>`,
      ),
    );
    expect(q.filter.name).toBe('VCALENDAR');
    const vevent = q.filter.compFilters[0];
    expect(vevent.timeRange).toEqual({
      start: new Date('2026-03-01T00:00:00Z'),
      end: new Date('2026-04-01T00:00:00Z'),
    });
    expect(vevent.propFilters[0].textMatch).toEqual({ text: 'Lunch', collation: 'i;octet', negate: true });
    expect(vevent.propFilters[1].paramFilters[0]).toMatchObject({
      name: 'PARTSTAT',
      textMatch: { collation: 'i;ascii-casemap' },
    });
    expect(vevent.propFilters[2].isNotDefined).toBe(true);
    expect(vevent.compFilters[0].timeRange).toEqual({ start: null, end: new Date('2026-03-02T00:00:00Z') });
  });

  test('calendar-data: expand, limit-freebusy-set and the comp/prop selection', () => {
    const q = query(
      inCalendar('VEVENT'),
      `<D:prop><D:getetag/><C:calendar-data>
         <C:comp name="VCALENDAR"><C:prop name="VERSION"/><C:comp name="VEVENT"><C:prop name="SUMMARY"/><C:prop name="UID" novalue="yes"/></C:comp></C:comp>
         <C:expand start="20260301T000000Z" end="20260401T000000Z"/><C:limit-freebusy-set start="20260301T000000Z" end="20260302T000000Z"/>
       </C:calendar-data></D:prop>`,
    );
    expect(q.calendarData?.expand).toEqual({
      start: new Date('2026-03-01T00:00:00Z'),
      end: new Date('2026-04-01T00:00:00Z'),
    });
    expect(q.calendarData?.limitFreebusySet?.end).toEqual(new Date('2026-03-02T00:00:00Z'));
    expect(q.calendarData?.comp).toMatchObject({
      name: 'VCALENDAR',
      allProps: false,
      allComps: false,
      comps: [
        {
          name: 'VEVENT',
          props: [
            { name: 'SUMMARY', noValue: false },
            { name: 'UID', noValue: true },
          ],
        },
      ],
    });
  });

  test('CALDAV:timezone is kept; a bad one is valid-calendar-data', () => {
    const tz =
      'BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR';
    expect(query(inCalendar('VEVENT'), `<C:timezone>${tz}</C:timezone>`).timezone).toBe(
      tz.replace(/\r\n/g, '\n'),
    ); // XML normalises line ends
    expect(refusal(() => query(inCalendar('VEVENT'), '<C:timezone>nonsense</C:timezone>')).precondition).toBe(
      'valid-calendar-data',
    );
  });

  test.each([
    ['no filter', '<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"/>'],
    [
      'top not VCALENDAR',
      `<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter><C:comp-filter name="VEVENT"/></C:filter></C:calendar-query>`,
    ],
    [
      'not UTC',
      `<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter>${inCalendar('VEVENT', timeRange('20260301T000000'))}</C:filter></C:calendar-query>`,
    ],
    [
      'no bounds',
      `<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter>${inCalendar('VEVENT', '<C:time-range/>')}</C:filter></C:calendar-query>`,
    ],
    [
      'end before start',
      `<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter>${inCalendar('VEVENT', timeRange('20260302T000000Z', '20260301T000000Z'))}</C:filter></C:calendar-query>`,
    ],
    [
      'is-not-defined with tests',
      `<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter>${inCalendar('VEVENT', `<C:is-not-defined/>${timeRange('20260301T000000Z')}`)}</C:filter></C:calendar-query>`,
    ],
    [
      'comp-filter without name',
      `<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter><C:comp-filter/></C:filter></C:calendar-query>`,
    ],
    ['wrong namespace', `<calendar-query xmlns="DAV:"><filter/></calendar-query>`],
  ])('%s → InvalidCalendarQuery (valid-filter)', (_name, xml) => {
    expect(refusal(() => parseCalendarQuery(reportElement(xml))).precondition).toBe('valid-filter');
  });

  test('an unknown collation is supported-collation', () => {
    const text =
      '<C:prop-filter name="SUMMARY"><C:text-match collation="i;klingon">x</C:text-match></C:prop-filter>';
    expect(refusal(() => query(inCalendar('VEVENT', text))).precondition).toBe('supported-collation');
  });

  test('property: arbitrary XML in the CalDAV vocabulary throws nothing but InvalidCalendarQuery', () => {
    const names = [
      'calendar-query',
      'filter',
      'comp-filter',
      'prop-filter',
      'param-filter',
      'text-match',
      'time-range',
      'is-not-defined',
      'timezone',
      'calendar-data',
      'comp',
      'prop',
      'expand',
      'limit-recurrence-set',
      'allprop',
      'x',
    ];
    const attrValues = fc.oneof(
      fc.constantFrom(
        'VCALENDAR',
        'VEVENT',
        'VTODO',
        'VALARM',
        'SUMMARY',
        '20260301T000000Z',
        '2026',
        'yes',
        'no',
        'i;octet',
        '',
      ),
      fc.string({ maxLength: 12 }),
    );
    const attrs = fc.dictionary(
      fc.constantFrom('name', 'start', 'end', 'collation', 'negate-condition', 'novalue', 'content-type'),
      attrValues,
      { maxKeys: 3 },
    );
    const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
    const tree: fc.Memo<string> = fc.memo((depth) =>
      fc
        .tuple(
          fc.constantFrom(...names),
          fc.constantFrom('C', 'D'),
          attrs,
          depth <= 1 ? fc.constant<string[]>([]) : fc.array(tree(depth - 1), { maxLength: 4 }),
          fc.string({ maxLength: 10 }),
        )
        .map(([name, prefix, a, children, text]) => {
          const attributes = Object.entries(a)
            .map(([k, v]) => ` ${k}="${escape(v)}"`)
            .join('');
          return `<${prefix}:${name}${attributes}>${escape(text)}${children.join('')}</${prefix}:${name}>`;
        }),
    );
    fc.assert(
      fc.property(tree(5), fc.boolean(), (inner, wrap) => {
        const body = wrap
          ? `<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:">${inner}</C:calendar-query>`
          : inner.replace(/^<(\w+):(\S+)/, '<$1:$2 xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"');
        let root;
        try {
          root = reportElement(body);
        } catch {
          return; // not well-formed XML: the DAV layer answers 400 before us
        }
        try {
          parseCalendarQuery(root);
        } catch (err) {
          if (!(err instanceof InvalidCalendarQuery)) throw err;
        }
      }),
      { numRuns: 200 },
    );
  });
});
