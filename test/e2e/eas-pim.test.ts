/**
 * Calendar and Tasks over ActiveSync and CalDAV on one node (real HTTP): a recurring meeting with
 * a moved and a deleted instance, attendees and a time zone, added over EAS, is read back over
 * CalDAV and parsed by core/pim/ical; a recurring event PUT over CalDAV reaches the device within
 * FilterType 4 while an old single event does not; EAS Change and Delete move the CalDAV sync
 * token; a VTODO-only calendar is a Tasks folder; a Contacts Change keeps the properties
 * its SyncKey 0 Supported left out (ghosted) and removes those it listed. Every response body
 * is checked with wbxml2xml.
 */
import { el, textAt, type EasElement } from '../../core/eas/wbxml/tree';
import type { IcalTime } from '../../core/pim/ical/ical-lib';
import { expandInstances } from '../../core/pim/ical/instances';
import { parseCalendarObject } from '../../core/pim/ical/parse-calendar';
import { EasClient, IPHONE } from '../helpers/eas-client';
import { LIBWBXML, LIBWBXML_MISSING } from '../unit/eas/libwbxml';
import { expectSameAsLibwbxml } from './eas-golden';
import { WebHarness } from './web-harness';

let h: WebHarness;
let phone: EasClient;
let calendar = '';
const ALICE = 'alice@pim-eas.example';
const PASSWORD = 'correct horse battery 1';
const DAY = 86_400_000;

const a = (name: string, ...c: (EasElement | string | number)[]) => el('AirSync', name, ...c);
const cal = (name: string, ...c: (EasElement | string | number)[]) => el('Calendar', name, ...c);
const compact = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const plainBody = el('AirSyncBase', 'BodyPreference', el('AirSyncBase', 'Type', 1));

async function dav(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(h.base + path, {
    method,
    headers: { ...h.basic(ALICE, PASSWORD), ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

/** Every .ics of a calendar over CalDAV (PROPFIND, then GET), by href. */
async function calendarObjects(name: string): Promise<Map<string, string>> {
  const listing = await dav('PROPFIND', `/dav/calendars/${ALICE}/${name}/`, undefined, { depth: '1' });
  expect(listing.status).toBe(207);
  const hrefs = [...listing.text.matchAll(/<(?:[a-zA-Z]+:)?href>([^<]+\.ics)<\//g)].map((m) => m[1]);
  const out = new Map<string, string>();
  for (const href of hrefs)
    out.set(new URL(href, h.base).pathname, (await dav('GET', new URL(href, h.base).pathname)).text);
  return out;
}

async function syncToken(name: string): Promise<string> {
  const res = await dav(
    'PROPFIND',
    `/dav/calendars/${ALICE}/${name}/`,
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>',
    { depth: '0', 'content-type': 'application/xml' },
  );
  return /<(?:[a-zA-Z]+:)?sync-token>([^<]+)</.exec(res.text)?.[1] ?? '';
}

beforeAll(async () => {
  h = await WebHarness.start({ 'authThrottle.maxFailures': 50 });
  await h.addUser(ALICE, PASSWORD);
  phone = new EasClient(h.base, ALICE, PASSWORD, IPHONE);
  await phone.provision();
}, 120_000);
afterAll(async () => h?.stop());

describe('Calendar over EAS and CalDAV', () => {
  let serverId = '';

  it('a recurring meeting added over EAS is iCalendar over CalDAV, instances and all', async () => {
    const folders = await phone.folderSync('0');
    calendar = folders.adds.find((f) => f.type === '8')!.serverId;
    expect((await phone.sync([{ collectionId: calendar, syncKey: '0' }])).collections[calendar]?.status).toBe(
      '1',
    );
    // Central European time as a device sends it: UTC+1, DST on the last Sunday of March/October.
    const tz = Buffer.alloc(172);
    tz.writeInt32LE(-60, 0);
    [0, 10, 0, 5, 3].forEach((v, i) => tz.writeUInt16LE(v, 68 + 2 * i));
    [0, 3, 0, 5, 2].forEach((v, i) => tz.writeUInt16LE(v, 152 + 2 * i));
    tz.writeInt32LE(-60, 168);
    const first = Date.UTC(2026, 10, 2, 8); // Monday 2 November 2026, 09:00 in Berlin
    const added = await phone.sync([
      {
        collectionId: calendar,
        options: [plainBody],
        commands: [
          a(
            'Add',
            a('ClientId', 'meeting-1'),
            a(
              'ApplicationData',
              cal('TimeZone', tz.toString('base64')),
              cal('AllDayEvent', 0),
              cal('StartTime', compact(first)),
              cal('EndTime', compact(first + 3600_000)),
              cal('Subject', 'Weekly review'),
              cal('Location', 'Room 7'),
              cal('BusyStatus', 2),
              cal('Reminder', 15),
              cal(
                'Attendees',
                cal(
                  'Attendee',
                  cal('Email', 'bob@elsewhere.example'),
                  cal('Name', 'Bob'),
                  cal('AttendeeType', 1),
                ),
                cal(
                  'Attendee',
                  cal('Email', 'carol@elsewhere.example'),
                  cal('Name', 'Carol'),
                  cal('AttendeeType', 2),
                ),
              ),
              cal(
                'Recurrence',
                cal('Type', 1),
                cal('Interval', 1),
                cal('DayOfWeek', 2),
                cal('Occurrences', 6),
              ),
              cal(
                'Exceptions',
                cal('Exception', cal('Deleted', 1), cal('ExceptionStartTime', compact(first + 7 * DAY))),
                cal(
                  'Exception',
                  cal('ExceptionStartTime', compact(first + 14 * DAY)),
                  cal('StartTime', compact(first + 14 * DAY + 5 * 3600_000)),
                  cal('EndTime', compact(first + 14 * DAY + 6 * 3600_000)),
                  cal('Subject', 'Weekly review (afternoon)'),
                ),
              ),
            ),
          ),
        ],
      },
    ]);
    const response = added.collections[calendar]?.responses.adds[0];
    expect(response).toMatchObject({ clientId: 'meeting-1', status: '1' });
    serverId = response!.serverId;

    const objects = [...(await calendarObjects('personal')).values()];
    const ics = objects.find((o) => o.includes('SUMMARY:Weekly review'))!;
    const parsed = parseCalendarObject(ics);
    const { instances } = expandInstances(parsed.master, parsed.overrides, { floatingZone: null });
    const starts = instances.map((i) => (i.start as IcalTime).toJSDate().getTime()).sort((x, y) => x - y);
    // Six Mondays minus the deleted one; the third at 14:00 Berlin; all 09:00 Berlin (08:00Z).
    expect(starts).toEqual([
      first,
      first + 14 * DAY + 5 * 3600_000,
      first + 21 * DAY,
      first + 28 * DAY,
      first + 35 * DAY,
    ]);
    expect(ics).toMatch(/ATTENDEE;[^\r\n]*CN=Bob/);
    expect(ics).toMatch(/ATTENDEE;[^\r\n]*ROLE=OPT-PARTICIPANT/);
    expect(ics).toMatch(/ORGANIZER[^\r\n]*:mailto:alice@pim-eas\.example/);
    expect(ics).toMatch(/DTSTART;TZID=[^:\r\n]+:20261102T090000/);
    expect(ics).toContain('BEGIN:VTIMEZONE');
  });

  it('EAS Change and Delete move the CalDAV sync token', async () => {
    const before = await syncToken('personal');
    const changed = await phone.sync([
      {
        collectionId: calendar,
        commands: [
          a(
            'Change',
            a('ServerId', serverId),
            a(
              'ApplicationData',
              cal('StartTime', compact(Date.UTC(2026, 10, 2, 9))),
              cal('EndTime', compact(Date.UTC(2026, 10, 2, 10))),
              cal('Subject', 'Weekly review (moved)'),
            ),
          ),
        ],
      },
    ]);
    expect(changed.collections[calendar]?.status).toBe('1');
    const mid = await syncToken('personal');
    expect(mid).not.toBe(before);
    expect(
      [...(await calendarObjects('personal')).values()].some((o) =>
        o.includes('SUMMARY:Weekly review (moved)'),
      ),
    ).toBe(true);
    const deleted = await phone.sync([
      { collectionId: calendar, commands: [a('Delete', a('ServerId', serverId))] },
    ]);
    expect(deleted.collections[calendar]?.status).toBe('1');
    expect(await syncToken('personal')).not.toBe(mid);
    expect([...(await calendarObjects('personal')).values()].some((o) => o.includes('Weekly review'))).toBe(
      false,
    );
  });

  it('FilterType 4: a CalDAV series with instances in the window arrives, an old event does not', async () => {
    const now = Date.now();
    const ics = (uid: string, start: number, extra: string[] = []) =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//EN',
        'BEGIN:VEVENT',
        `UID:${uid}`,
        'DTSTAMP:20260101T000000Z',
        `DTSTART:${compact(start)}`,
        `DTEND:${compact(start + 3600_000)}`,
        `SUMMARY:${uid}`,
        ...extra,
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');
    for (const [name, body] of [
      ['old', ics('old', now - 40 * DAY)],
      ['series', ics('series', now - 200 * DAY, ['RRULE:FREQ=WEEKLY'])],
    ]) {
      const put = await dav('PUT', `/dav/calendars/${ALICE}/personal/${name}.ics`, body, {
        'content-type': 'text/calendar',
      });
      expect(put.status).toBe(201);
    }
    const device = new EasClient(h.base, ALICE, PASSWORD, { ...IPHONE, deviceId: 'filterphone1' });
    await device.provision();
    await device.folderSync('0');
    await device.sync([{ collectionId: calendar, syncKey: '0' }]);
    const full = await device.sync([{ collectionId: calendar, options: [a('FilterType', 4), plainBody] }]);
    const subjects = full.collections[calendar]!.adds.map((x) => textAt(x.data, 'Subject'));
    expect(subjects).toContain('series');
    expect(subjects).not.toContain('old');
    const series = full.collections[calendar]!.adds.find((x) => textAt(x.data, 'Subject') === 'series');
    expect(textAt(series?.data, 'Recurrence', 'Type')).toBe('1');
    phone.seen.push(...device.seen);
  });
});

describe('Tasks', () => {
  it('a VTODO-only calendar is a Tasks folder; a task added over EAS is a VTODO over CalDAV', async () => {
    const mk = await dav(
      'MKCALENDAR',
      `/dav/calendars/${ALICE}/chores/`,
      '<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>Chores</d:displayname><c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>',
      { 'content-type': 'application/xml' },
    );
    expect(mk.status).toBe(201);
    const folders = await phone.folderSync();
    const chores = folders.adds.find((f) => f.displayName === 'Chores');
    expect(chores?.type).toBe('7');
    await phone.sync([{ collectionId: chores!.serverId, syncKey: '0' }]);
    const t = (name: string, ...c: (EasElement | string | number)[]) => el('Tasks', name, ...c);
    const added = await phone.sync([
      {
        collectionId: chores!.serverId,
        commands: [
          a(
            'Add',
            a('ClientId', 'task-1'),
            a(
              'ApplicationData',
              t('Subject', 'Water the plants'),
              t('Importance', 2),
              t('UtcDueDate', '2026-12-20T17:00:00.000Z'),
              t('DueDate', '2026-12-20T18:00:00.000Z'),
              t('Complete', 0),
            ),
          ),
        ],
      },
    ]);
    expect(added.collections[chores!.serverId]?.responses.adds[0]?.status).toBe('1');
    const ics = [...(await calendarObjects('chores')).values()].find((o) => o.includes('Water the plants'))!;
    expect(parseCalendarObject(ics).component).toBe('VTODO');
    expect(ics).toContain('DUE:20261220T170000Z');
    expect(ics).toContain('PRIORITY:1');
  });
});

describe('Contacts ghosting (Supported)', () => {
  const ct = (name: string, ...c: (EasElement | string | number)[]) => el('Contacts', name, ...c);
  const book = `/dav/addressbooks/${ALICE}/contacts/`;
  let contacts = '';

  /** SyncKey 0 with the Supported names (the client's sync() sends none), then the download. */
  async function partnership(supported: EasElement[], firstName: string): Promise<string> {
    const zero = await phone.post(
      'Sync',
      a(
        'Sync',
        a(
          'Collections',
          a('Collection', a('SyncKey', '0'), a('CollectionId', contacts), a('Supported', ...supported)),
        ),
      ),
    );
    const key = textAt(zero.tree ?? undefined, 'Collections', 'Collection', 'SyncKey');
    expect(key).toMatch(/^[0-9]+$/);
    phone.syncKeys[contacts] = key!;
    const down = await phone.sync([{ collectionId: contacts }]);
    const card = down.collections[contacts]?.adds.find((x) => textAt(x.data, 'FirstName') === firstName);
    expect(card).toBeDefined();
    return card!.serverId;
  }

  async function changeNames(serverId: string, first: string): Promise<string> {
    const r = await phone.sync([
      {
        collectionId: contacts,
        commands: [
          a(
            'Change',
            a('ServerId', serverId),
            a('ApplicationData', ct('FirstName', first), ct('LastName', 'Lee')),
          ),
        ],
      },
    ]);
    expect(r.collections[contacts]?.status).toBe('1');
    return (await dav('GET', `${book}ann.vcf`)).text;
  }

  it('a Change keeps the ghosted TITLE and NOTE; with JobTitle in Supported, TITLE goes', async () => {
    const folders = await phone.folderSync('0');
    contacts = folders.adds.find((f) => f.type === '9')!.serverId;
    const vcard = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'UID:ann-1',
      'FN:Ann Lee',
      'N:Lee;Ann;;;',
      'TITLE:Engineer',
      'NOTE:met at the conference',
      'END:VCARD',
      '',
    ].join('\r\n');
    expect((await dav('PUT', `${book}ann.vcf`, vcard, { 'content-type': 'text/vcard' })).status).toBe(201);

    // Supported without JobTitle and Body: both are ghosted, TITLE and NOTE stay.
    let serverId = await partnership([ct('FirstName'), ct('LastName'), ct('FileAs')], 'Ann');
    let card = await changeNames(serverId, 'Anne');
    expect(card).toMatch(/N:Lee;Anne/);
    expect(card).toContain('TITLE:Engineer');
    expect(card).toContain('NOTE:met at the conference');

    // A new partnership whose Supported lists JobTitle: absent from a Change, it is removed.
    serverId = await partnership([ct('FirstName'), ct('LastName'), ct('JobTitle')], 'Anne');
    card = await changeNames(serverId, 'Ann');
    expect(card).toMatch(/N:Lee;Ann;/);
    expect(card).not.toContain('TITLE');
  });

  // A body is the one field an absent element never deletes, Supported or not: a device holds it
  // truncated (BodyPreference TruncationSize) and leaves it out of a Change it did not edit, as
  // Exchange and Z-Push read MS-ASAIRS. Deleting NOTE here would lose the user's note.
  it('with Body in Supported, a Change without Body keeps NOTE (a truncated body is never sent back)', async () => {
    await dav(
      'PUT',
      `${book}ann.vcf`,
      'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ann-1\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nNOTE:met at the conference\r\nEND:VCARD\r\n',
      {
        'content-type': 'text/vcard',
      },
    );
    const serverId = await partnership([ct('FirstName'), ct('LastName'), el('AirSyncBase', 'Body')], 'Ann');
    const card = await changeNames(serverId, 'Ann');
    expect(card).toMatch(/N:Lee;Ann;/);
    expect(card).toContain('NOTE:met at the conference');
  });
});

describe('the bytes', () => {
  (LIBWBXML ? it : it.skip)('every response body decodes the same with wbxml2xml', () => {
    expect(phone.seen.length).toBeGreaterThan(5);
    expectSameAsLibwbxml(phone.seen);
  });
});
if (!LIBWBXML) console.warn(LIBWBXML_MISSING);
