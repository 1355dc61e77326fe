/**
 * The network-facing parsers of scheduling: a free-busy request POSTed to the outbox and an
 * incoming iMIP mail. Properties (fast-check): whatever the bytes, the outbox answers or refuses
 * with InvalidScheduleRequest, and iMIP handling never throws nor touches the calendar unless
 * the mail is a well-formed iTIP message from the right sender.
 */
import fc from 'fast-check';
import { applyImipMessage, freeBusyResponse, InvalidScheduleRequest } from '../../../core/pim/scheduling';
import { FakeSchedulingStore } from './scheduling-fake-store';

const ALICE = { id: 1, address: 'alice@example.org' };
const BOB = { id: 2, address: 'bob@example.org' };
const accounts = new Map([
  [ALICE.address, ALICE],
  [BOB.address, BOB],
]);

function request(lines: string[]): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//t//EN',
    'METHOD:REQUEST',
    'BEGIN:VFREEBUSY',
    'UID:fb',
    'DTSTAMP:20260101T000000Z',
    ...lines,
    'END:VFREEBUSY',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

const deps = (store: FakeSchedulingStore) => ({
  store,
  localAccount: async (address: string) => accounts.get(address) ?? null,
});

test('floating DTSTART/DTEND are read as UTC, and the range must not be empty', async () => {
  const store = new FakeSchedulingStore();
  const answers = await freeBusyResponse(
    deps(store),
    ALICE,
    request([
      'DTSTART:20260120T000000',
      'DTEND:20260121T000000',
      'ORGANIZER:mailto:alice@example.org',
      'ATTENDEE:mailto:bob@example.org',
    ]),
  );
  expect(answers).toHaveLength(1);
  expect(answers[0].calendarData).toContain('DTSTART:20260120T000000Z');
  await expect(
    freeBusyResponse(
      deps(store),
      ALICE,
      request([
        'DTSTART:20260121T000000Z',
        'DTEND:20260120T000000Z',
        'ORGANIZER:mailto:alice@example.org',
        'ATTENDEE:mailto:bob@example.org',
      ]),
    ),
  ).rejects.toBeInstanceOf(InvalidScheduleRequest);
  await expect(
    freeBusyResponse(
      deps(store),
      ALICE,
      request(['DTSTART:20260120T000000Z', 'DTEND:20260121T000000Z', 'ORGANIZER:mailto:alice@example.org']),
    ),
  ).rejects.toBeInstanceOf(InvalidScheduleRequest);
});

test("each attendee calendar's floating events are busy in its calendar-timezone", async () => {
  const store = new FakeSchedulingStore();
  await store.ensureDefaults(BOB.id);
  const personal = [...store.collectionsById.values()].find(
    (c) => c.accountId === BOB.id && c.name === 'personal',
  )!;
  // A fixed +02:00 zone: 10:00 floating is 08:00Z.
  personal.timezone = [
    'BEGIN:VCALENDAR',
    'BEGIN:VTIMEZONE',
    'TZID:Plus2',
    'BEGIN:STANDARD',
    'DTSTART:19700101T000000',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0200',
    'END:STANDARD',
    'END:VTIMEZONE',
    'END:VCALENDAR',
  ].join('\r\n');
  const event = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//t//EN',
    'BEGIN:VEVENT',
    'UID:floating',
    'DTSTAMP:20260101T000000Z',
    'DTSTART:20260120T100000',
    'DTEND:20260120T110000',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  await store.objects.put(personal, {
    name: 'f.ics',
    data: event,
    contentType: 'text/calendar',
    uid: 'floating',
  });
  const [answer] = await freeBusyResponse(
    deps(store),
    ALICE,
    request([
      'DTSTART:20260120T000000Z',
      'DTEND:20260121T000000Z',
      'ORGANIZER:mailto:alice@example.org',
      'ATTENDEE:mailto:bob@example.org',
    ]),
  );
  expect(answer.calendarData).toContain('FREEBUSY;FBTYPE=BUSY:20260120T080000Z/20260120T090000Z');
});

const line = fc.oneof(
  fc.constantFrom(
    'DTSTART:20260120T000000Z',
    'DTEND:20260121T000000Z',
    'DTSTART;VALUE=DATE:20260120',
    'DTEND:garbage',
    'ORGANIZER:mailto:alice@example.org',
    'ORGANIZER:mailto:bob@example.org',
    'ATTENDEE:mailto:bob@example.org',
    'ATTENDEE:mailto:x@remote.example',
    'ATTENDEE:urn:uuid:1',
    'BEGIN:VEVENT',
    'END:VEVENT',
    'METHOD:PUBLISH',
  ),
  fc.string({ maxLength: 40 }),
);

test('property: any body is answered or refused with InvalidScheduleRequest', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 12 }), fc.boolean(), async (lines, wrap) => {
      const store = new FakeSchedulingStore();
      const body = wrap ? request(lines) : lines.join('\r\n');
      try {
        const answers = await freeBusyResponse(deps(store), ALICE, body);
        for (const a of answers) expect(a.requestStatus).toMatch(/^(2\.0|5\.3);/);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidScheduleRequest);
      }
    }),
    { numRuns: 200 },
  );
});

test('property: iMIP handling never throws and ignores what is not a valid iTIP mail', async () => {
  const part = fc.oneof(
    fc.constantFrom(
      'Content-Type: text/calendar; method=REQUEST\r\n\r\n',
      'Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/calendar\r\n\r\n',
      'Content-Transfer-Encoding: base64\r\n',
      'From: <org@remote.example>\r\n',
      'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:x\r\n',
      'ORGANIZER:mailto:org@remote.example\r\n',
      `ATTENDEE:mailto:${BOB.address}\r\n`,
      'END:VEVENT\r\nEND:VCALENDAR\r\n',
      '--b--\r\n',
    ),
    fc.string({ maxLength: 60 }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(part, { maxLength: 10 }), async (parts) => {
      const store = new FakeSchedulingStore();
      const outcome = await applyImipMessage({ store }, BOB, Buffer.from(parts.join(''), 'latin1'));
      expect(['not-itip', 'forged', 'ignored', 'delivered', 'applied']).toContain(outcome.outcome);
      if (outcome.outcome === 'not-itip' || outcome.outcome === 'forged')
        expect([...store.objectsByCollection.values()].every((m) => m.size === 0)).toBe(true);
    }),
    { numRuns: 300 },
  );
});
