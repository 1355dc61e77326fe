/**
 * email:MeetingRequest of invitation mail (MS-ASEMAIL §2.2.2.48): a real iTIP invitation
 * (multipart/alternative with text/calendar, a weekly series in Europe/Berlin) rendered for 14.1
 * and 16.1, checked field by field and through libwbxml's decoder; cancellations, plain mail and
 * broken calendar data.
 */
import fc from 'fast-check';
import { globalObjectId, renderMeetingRequest } from '../../../core/eas/email/email-meeting';
import { renderApplicationData } from '../../../core/eas/email/email-render';
import type { MailRow } from '../../../core/eas/email/email-query';
import { decodeTimeZone } from '../../../core/eas/pim/timezone-blob';
import type { ProtocolVersion } from '../../../core/eas/protocol';
import { pageOf } from '../../../core/eas/wbxml/code-pages';
import { encodeWbxml } from '../../../core/eas/wbxml/encoder';
import { child, type EasElement } from '../../../core/eas/wbxml/tree';
import { parseMessageStructure } from '../../../core/mime';
import { LIBWBXML, LIBWBXML_MISSING, parseXmlTree, wbxml2xml } from './libwbxml';

const CRLF = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

const VTIMEZONE = `BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE`;

function ics(method: string, event: string): string {
  return `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//Mail//EN
METHOD:${method}
${VTIMEZONE}
BEGIN:VEVENT
${event}
END:VEVENT
END:VCALENDAR`;
}

const WEEKLY = `UID:weekly-sync-42@example.org
DTSTAMP:20261201T083000Z
DTSTART;TZID=Europe/Berlin:20261207T100000
DTEND;TZID=Europe/Berlin:20261207T110000
RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270301T090000Z
SUMMARY:Team sync
LOCATION:Room 4.12
CLASS:PRIVATE
ORGANIZER;CN=Olga Organizer:mailto:olga@example.org
ATTENDEE;CN=Ann;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ann@a.test
SEQUENCE:0
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Reminder
TRIGGER:-PT15M
END:VALARM`;

function invitation(method: string, event: string, contentType = 'text/calendar'): Buffer {
  return CRLF(`From: Olga Organizer <olga@example.org>
To: ann@a.test
Subject: Invitation: Team sync
Date: Tue, 01 Dec 2026 08:30:00 +0000
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

You are invited.
--b1
Content-Type: ${contentType}; method=${method}; charset=utf-8
Content-Transfer-Encoding: 7bit

${ics(method, event)}
--b1--
`);
}

const EMAIL = pageOf('Email') ?? -1;
const EMAIL2 = pageOf('Email2') ?? -1;

function meeting(raw: Buffer, version: ProtocolVersion): EasElement | null {
  return renderMeetingRequest({ raw, structure: parseMessageStructure(raw), version });
}

function applicationData(raw: Buffer, version: ProtocolVersion): EasElement {
  const structure = parseMessageStructure(raw);
  const row: MailRow = {
    id: 1,
    mailboxId: 1,
    uid: 1,
    modseq: 1,
    flags: [],
    internalDate: new Date('2026-12-01T08:31:00Z'),
    size: raw.length,
    blobKey: 'k',
    headerPrefix: Buffer.alloc(0),
    structure,
  };
  return renderApplicationData({
    row,
    raw,
    options: { version, bodyPreferences: [{ type: 1, truncationSize: 1024 }], mimeSupport: 0 },
  });
}

const textOf = (node: EasElement | null | undefined, name: string, page = EMAIL): string | undefined =>
  child(node ?? undefined, name, page)?.text;

describe('email:MeetingRequest of an iTIP REQUEST (weekly series with a TZID)', () => {
  const raw = invitation('REQUEST', WEEKLY);

  it('14.1: times in UTC dateTime, the series, the zone, reminder in seconds and GlobalObjId', () => {
    const m = meeting(raw, '14.1');
    expect(m).not.toBeNull();
    expect(textOf(m, 'AllDayEvent')).toBe('0');
    // 10:00 in Berlin in December (UTC+1) is 09:00 UTC.
    expect(textOf(m, 'StartTime')).toBe('2026-12-07T09:00:00.000Z');
    expect(textOf(m, 'EndTime')).toBe('2026-12-07T10:00:00.000Z');
    expect(textOf(m, 'DtStamp')).toBe('2026-12-01T08:30:00.000Z');
    expect(textOf(m, 'InstanceType')).toBe('1');
    expect(textOf(m, 'Location')).toBe('Room 4.12');
    expect(textOf(m, 'Organizer')).toBe('"Olga Organizer" <olga@example.org>');
    expect(textOf(m, 'Reminder')).toBe('900');
    expect(textOf(m, 'ResponseRequested')).toBe('1');
    expect(textOf(m, 'Sensitivity')).toBe('2');
    expect(textOf(m, 'BusyStatus')).toBe('2');
    expect(textOf(m, 'MeetingMessageType', EMAIL2)).toBe('1');
    expect(child(m ?? undefined, 'UID', pageOf('Calendar'))).toBeUndefined();
    expect(textOf(m, 'DisallowNewTimeProposal')).toBe('0');

    const recurrence = child(child(m ?? undefined, 'Recurrences', EMAIL), 'Recurrence', EMAIL);
    expect(recurrence).toBeDefined();
    expect(textOf(recurrence, 'Type')).toBe('1');
    expect(textOf(recurrence, 'Interval')).toBe('1');
    expect(textOf(recurrence, 'Until')).toBe('20270301T090000Z');
    // Monday (2) | Wednesday (8).
    expect(textOf(recurrence, 'DayOfWeek')).toBe('10');
    expect(textOf(recurrence, 'CalendarType', EMAIL2)).toBe('1');
    expect(textOf(recurrence, 'FirstDayOfWeek', EMAIL2)).toBe('1');
    expect(recurrence?.children.every((c) => c.page === EMAIL || c.page === EMAIL2)).toBe(true);

    const zone = decodeTimeZone(textOf(m, 'TimeZone') ?? '');
    expect(zone?.bias).toBe(-60);
    expect(zone?.daylightBias).toBe(-60);
    expect(zone?.daylight).toMatchObject({ month: 3, week: 5, dayOfWeek: 0 });

    const id = Buffer.from(textOf(m, 'GlobalObjId') ?? '', 'base64');
    expect(id.subarray(0, 16).toString('hex').toUpperCase()).toBe('040000008200E00074C5B7101A82E008');
    const size = id.readUInt32LE(36);
    expect(id.length).toBe(40 + size);
    expect(id.subarray(40).toString('latin1')).toBe('vCal-Uid\x01\x00\x00\x00weekly-sync-42@example.org\x00');
  });

  it('16.1: airsyncbase:Location and calendar:UID instead of Location and GlobalObjId', () => {
    const m = meeting(raw, '16.1');
    expect(child(m ?? undefined, 'GlobalObjId', EMAIL)).toBeUndefined();
    expect(child(m ?? undefined, 'Location', EMAIL)).toBeUndefined();
    const location = child(m ?? undefined, 'Location', pageOf('AirSyncBase'));
    expect(textOf(location, 'DisplayName', pageOf('AirSyncBase'))).toBe('Room 4.12');
    expect(textOf(m, 'UID', pageOf('Calendar'))).toBe('weekly-sync-42@example.org');
    expect(textOf(m, 'StartTime')).toBe('2026-12-07T09:00:00.000Z');
  });

  it('14.0 has no Email2:MeetingMessageType (it is a 14.1 element)', () => {
    expect(child(meeting(raw, '14.0') ?? undefined, 'MeetingMessageType', EMAIL2)).toBeUndefined();
  });

  it('is part of the ApplicationData, after MessageClass, for 14.1 and 16.1', () => {
    for (const version of ['14.1', '16.1'] as const) {
      const data = applicationData(raw, version);
      const names = data.children.map((c) => c.name);
      expect(textOf(data, 'MessageClass')).toBe('IPM.Schedule.Meeting.Request');
      expect(names.indexOf('MeetingRequest')).toBe(names.indexOf('MessageClass') + 1);
    }
  });

  const suite = LIBWBXML ? describe : describe.skip;
  if (!LIBWBXML) console.warn(LIBWBXML_MISSING);
  suite('WBXML tokens, read back by libwbxml', () => {
    it.each(['14.1', '16.1'] as const)('%s: wbxml2xml decodes our encoding as the same tree', (version) => {
      const m = meeting(raw, version);
      if (!m) throw new Error('no MeetingRequest');
      const xml = wbxml2xml(encodeWbxml(m));
      expect(xml).not.toContain('unknown');
      expect(parseXmlTree(xml)).toEqual(m);
    });
  });
});

describe('other meeting mail', () => {
  it('a CANCEL: Canceled class with the meeting data, no response asked', () => {
    const raw = invitation('CANCEL', WEEKLY.replace('SEQUENCE:0', 'SEQUENCE:1\nSTATUS:CANCELLED'));
    const data = applicationData(raw, '14.1');
    expect(textOf(data, 'MessageClass')).toBe('IPM.Schedule.Meeting.Canceled');
    const m = child(data, 'MeetingRequest', EMAIL);
    expect(textOf(m, 'ResponseRequested')).toBe('0');
    expect(textOf(m, 'MeetingMessageType', EMAIL2)).toBe('0');
  });

  it('a single all-day meeting: InstanceType 0, AllDayEvent 1, no Recurrences, UTC zone', () => {
    const event = `UID:offsite@example.org
DTSTAMP:20261201T083000Z
DTSTART;VALUE=DATE:20261215
DTEND;VALUE=DATE:20261216
SUMMARY:Offsite
ORGANIZER:mailto:olga@example.org
ATTENDEE;RSVP=FALSE:mailto:ann@a.test
SEQUENCE:3`;
    const m = meeting(invitation('REQUEST', event), '14.1');
    expect(textOf(m, 'AllDayEvent')).toBe('1');
    expect(textOf(m, 'InstanceType')).toBe('0');
    expect(textOf(m, 'StartTime')).toBe('2026-12-15T00:00:00.000Z');
    expect(textOf(m, 'EndTime')).toBe('2026-12-16T00:00:00.000Z');
    expect(textOf(m, 'Organizer')).toBe('olga@example.org');
    expect(textOf(m, 'ResponseRequested')).toBe('0');
    expect(textOf(m, 'MeetingMessageType', EMAIL2)).toBe('2');
    expect(child(m ?? undefined, 'Recurrences', EMAIL)).toBeUndefined();
    expect(child(m ?? undefined, 'Reminder', EMAIL)).toBeUndefined();
    expect(decodeTimeZone(textOf(m, 'TimeZone') ?? '')?.bias).toBe(0);
  });

  it('an invitation to one instance: InstanceType 3, RecurrenceId, instance date in GlobalObjId', () => {
    const event = `UID:weekly-sync-42@example.org
RECURRENCE-ID;TZID=Europe/Berlin:20261209T100000
DTSTAMP:20261201T083000Z
DTSTART;TZID=Europe/Berlin:20261209T140000
DTEND;TZID=Europe/Berlin:20261209T150000
ORGANIZER:mailto:olga@example.org`;
    const m = meeting(invitation('REQUEST', event), '14.1');
    expect(textOf(m, 'InstanceType')).toBe('3');
    expect(textOf(m, 'RecurrenceId')).toBe('2026-12-09T09:00:00.000Z');
    const id = Buffer.from(textOf(m, 'GlobalObjId') ?? '', 'base64');
    expect([id.readUInt16BE(16), id[18], id[19]]).toEqual([2026, 12, 9]);
  });

  it('a monthly nth-weekday series: children in MS-ASEMAIL order; DisallowNewTimeProposal from Outlook', () => {
    const event = `UID:monthly@example.org
DTSTAMP:20261201T083000Z
DTSTART:20261208T150000Z
DURATION:PT30M
RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU;COUNT=6
X-MICROSOFT-DISALLOW-COUNTER:TRUE
ORGANIZER:mailto:olga@example.org`;
    const m = meeting(invitation('REQUEST', event), '14.1');
    expect(textOf(m, 'EndTime')).toBe('2026-12-08T15:30:00.000Z');
    expect(textOf(m, 'DisallowNewTimeProposal')).toBe('1');
    const recurrence = child(child(m ?? undefined, 'Recurrences', EMAIL), 'Recurrence', EMAIL);
    expect(recurrence?.children.map((c) => `${c.name}=${c.text}`)).toEqual([
      'Type=3',
      'Interval=2',
      'Occurrences=6',
      'WeekOfMonth=2',
      'DayOfWeek=4',
      'CalendarType=1',
      'IsLeapMonth=0',
      'FirstDayOfWeek=1',
    ]);
  });

  it('a calendar part over the size limit is not parsed', () => {
    const raw = invitation('REQUEST', WEEKLY);
    const structure = parseMessageStructure(raw);
    expect(renderMeetingRequest({ raw, structure, version: '14.1', maxCalendarBytes: 512 })).toBeNull();
    expect(renderMeetingRequest({ raw, structure, version: '14.1', maxCalendarBytes: 8192 })).not.toBeNull();
  });

  it('plain mail has no MeetingRequest', () => {
    const raw = CRLF('From: a@a.test\nTo: ann@a.test\nSubject: hi\n\nhello\n');
    expect(child(applicationData(raw, '16.1'), 'MeetingRequest', EMAIL)).toBeUndefined();
  });

  it('broken calendar data: still the mail, with its meeting class, without MeetingRequest', () => {
    const raw = invitation('REQUEST', 'DTSTART:not-a-date\nUID:x').subarray(0);
    const broken = Buffer.from(raw.toString('utf8').replace('END:VCALENDAR', ''), 'utf8');
    for (const bytes of [raw, broken]) {
      const data = applicationData(bytes, '16.1');
      expect(textOf(data, 'MessageClass')).toBe('IPM.Schedule.Meeting.Request');
      expect(child(data, 'MeetingRequest', EMAIL)).toBeUndefined();
    }
  });

  it('a UID that is an Outlook GlobalObjectId is kept as those bytes', () => {
    const hex =
      '040000008200E00074C5B7101A82E00800000000A048DAF17405D9010000000000000000100000003C10A5564C9D36459E7780C78BAFCB77';
    expect(globalObjectId(hex, null).toString('hex').toUpperCase()).toBe(hex);
    const instance = globalObjectId(hex, { year: 2004, month: 5, day: 31 });
    expect(instance.subarray(16, 20).toString('hex')).toBe('07d4051f');
  });

  it('property: any calendar text in an invitation renders or gives null, never throws', () => {
    const line = fc.oneof(
      fc.constantFrom(
        'BEGIN:VEVENT',
        'END:VEVENT',
        'UID:u1',
        'DTSTART:20261207T100000Z',
        'DTSTART;TZID=Nowhere:20261207T100000',
        'DTEND:20261207T090000Z',
        'RRULE:FREQ=WEEKLY;BYDAY=XX',
        'RRULE:FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU',
        'DURATION:P1D',
        'TRIGGER:-PT5M',
        'BEGIN:VALARM',
        'END:VALARM',
        'ORGANIZER;CN="x:mailto:o@x',
      ),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 12 }),
        fc.constantFrom('14.1', '16.1') as fc.Arbitrary<ProtocolVersion>,
        (lines, version) => {
          const raw = invitation('REQUEST', lines.join('\n'));
          const m = meeting(raw, version);
          if (!m) return;
          expect(encodeWbxml(m).length).toBeGreaterThan(0);
          // Never an end before the start, even from a broken DTEND.
          expect(Date.parse(textOf(m, 'EndTime') ?? '')).toBeGreaterThanOrEqual(
            Date.parse(textOf(m, 'StartTime') ?? ''),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
