/**
 * The acceptance flow of issue #15 over real HTTP: an iPhone-like device does its first sync
 * (Autodiscover → OPTIONS → Provision two-step → FolderSync → Sync of Inbox, Calendar and
 * Contacts, SyncKey 0 then the items → Ping). Mail delivered over SMTP shows up after Ping
 * returns; a flag set over EAS is seen over IMAP and JMAP and the other way round; SendMail
 * reaches a local account; an event made over EAS is read back as iCalendar over CalDAV. Every
 * response body is also decoded by libwbxml's wbxml2xml and compared with our decoder.
 */
import { el, textAt, type EasElement } from '../../core/eas/wbxml/tree';
import { EasClient, IPHONE, type SyncItem } from '../helpers/eas-client';
import { eventually } from '../helpers/eventually';
import { LIBWBXML, LIBWBXML_MISSING } from '../unit/eas/libwbxml';
import { expectSameAsLibwbxml } from './eas-golden';
import { OtherClients } from './eas-other-clients';
import { WebHarness } from './web-harness';

let h: WebHarness;
let phone: EasClient;
const ALICE = 'alice@first.example';
const BOB = 'bob@first.example';
const PASSWORD = 'correct horse battery 1';
const folders: Record<'inbox' | 'sent' | 'calendar' | 'contacts', string> = {
  inbox: '',
  sent: '',
  calendar: '',
  contacts: '',
};
/** Inbox ServerIds by subject, as the device learnt them. */
const mail: Record<string, string> = {};

const airsync = (name: string, ...content: (EasElement | string | number)[]) =>
  el('AirSync', name, ...content);
const base = (name: string, ...content: (EasElement | string | number)[]) =>
  el('AirSyncBase', name, ...content);
const email = (name: string, ...content: (EasElement | string | number)[]) => el('Email', name, ...content);
const cal = (name: string, ...content: (EasElement | string | number)[]) => el('Calendar', name, ...content);
const plainBody = base('BodyPreference', base('Type', 1), base('TruncationSize', 32768));
const subjectOf = (item: SyncItem) => textAt(item.data, 'Subject');
/** EAS compact date-time (MS-ASDTYPE): 20261204T090000Z. */
const compact = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

let other: OtherClients;
const dav = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  other.dav(ALICE, method, path, body, headers);
const imapFlags = (user: string, subject: string) => other.imapFlags(user, subject);

beforeAll(async () => {
  h = await WebHarness.start({ 'authThrottle.maxFailures': 50 });
  await h.addUser(ALICE, PASSWORD);
  await h.addUser(BOB, PASSWORD);
  phone = new EasClient(h.base, ALICE, PASSWORD, IPHONE);
  other = new OtherClients(h, PASSWORD);
  // What the phone finds at its first sync: a message, an event and a contact.
  await h.sendSmtp(BOB, ALICE, 'Welcome');
  await eventually(() => imapFlags(ALICE, 'Welcome'));
  const start = compact(new Date(Date.now() + 86_400_000)).replace(/T\d{6}Z$/, 'T100000Z');
  const end = start.replace('T100000Z', 'T110000Z');
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//first-sync//EN',
    'BEGIN:VEVENT',
    'UID:dav-event-1@first.example',
    `DTSTAMP:${start}`,
    `DTSTART:${start}`,
    `DTEND:${end}`,
    'SUMMARY:Planning (from CalDAV)',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  expect(
    (
      await dav('PUT', `/dav/calendars/${ALICE}/personal/dav-event-1.ics`, ics, {
        'content-type': 'text/calendar',
      })
    ).status,
  ).toBe(201);
  // vCard 4.0 without N: a 3.0 card with N is answered 500 by the CardDAV PUT today
  // (core/pim/vcard.ts renders properties without the vCard design set; see the H5 report).
  const vcf = [
    'BEGIN:VCARD',
    'VERSION:4.0',
    'UID:dav-card-1@first.example',
    'FN:Carol Example',
    'EMAIL:carol@elsewhere.example',
    'END:VCARD',
    '',
  ].join('\r\n');
  expect(
    (await dav('PUT', `/dav/addressbooks/${ALICE}/contacts/carol.vcf`, vcf, { 'content-type': 'text/vcard' }))
      .status,
  ).toBe(201);
}, 120_000);
afterAll(async () => h?.stop());

describe('first sync of an iPhone profile (issue #15 acceptance)', () => {
  it('finds the endpoint, lists the commands, provisions in two steps and gets the folders', async () => {
    expect(await phone.autodiscover()).toBe(`${h.base}/Microsoft-Server-ActiveSync`);
    const options = await phone.options();
    expect(options.status).toBe(200);
    expect(options.headers['ms-asprotocolversions']).toBe('14.0,14.1,16.0,16.1');
    expect(options.headers['ms-asprotocolcommands']?.split(',')).toEqual(
      expect.arrayContaining(['Provision', 'FolderSync', 'Sync', 'Ping', 'SendMail']),
    );
    const { finalKey } = await phone.provision();
    expect(finalKey).toMatch(/^[1-9][0-9]*$/);
    const hierarchy = await phone.folderSync('0');
    expect(hierarchy.status).toBe('1');
    const ofType = (type: string) => hierarchy.adds.find((f) => f.type === type)?.serverId ?? '';
    Object.assign(folders, {
      inbox: ofType('2'),
      sent: ofType('5'),
      calendar: ofType('8'),
      contacts: ofType('9'),
    });
    expect(Object.values(folders).every(Boolean)).toBe(true);
  });

  it('syncs Inbox, Calendar and Contacts: SyncKey 0, then the items', async () => {
    const ids = [folders.inbox, folders.calendar, folders.contacts];
    const initial = await phone.sync(ids.map((collectionId) => ({ collectionId, syncKey: '0' })));
    expect(initial.http).toBe(200);
    for (const id of ids) {
      const c = initial.collections[id];
      // The first key comes without items (MS-ASCMD §2.2.3.166.4).
      expect([id, c?.status, c?.adds.length]).toEqual([id, '1', 0]);
      expect(c?.syncKey).toMatch(/^.+$/);
      expect(c?.syncKey).not.toBe('0');
    }

    const full = await phone.sync([
      { collectionId: folders.inbox, options: [airsync('FilterType', 3), plainBody] },
      { collectionId: folders.calendar, options: [airsync('FilterType', 0), plainBody] },
      { collectionId: folders.contacts, options: [plainBody] },
    ]);
    const inbox = full.collections[folders.inbox]!;
    expect(inbox.status).toBe('1');
    const welcome = inbox.adds.find((a) => subjectOf(a) === 'Welcome');
    expect(welcome?.serverId).toMatch(/^m[0-9]+:[0-9]+$/);
    mail.Welcome = welcome!.serverId;
    expect(textAt(welcome?.data, 'From')).toContain(BOB);
    expect(textAt(welcome?.data, 'Read')).toBe('0');
    expect(textAt(welcome?.data, 'Body', 'Data')).toContain('Body of Welcome');

    const event = full.collections[folders.calendar]!.adds.find(
      (a) => subjectOf(a) === 'Planning (from CalDAV)',
    );
    expect(event?.serverId).toMatch(/^c[0-9]+:.+$/);
    expect(textAt(event?.data, 'StartTime')).toMatch(/^\d{8}T100000Z$/);

    const card = full.collections[folders.contacts]!.adds.find((a) =>
      textAt(a.data, 'Email1Address')?.includes('carol@elsewhere.example'),
    );
    expect(card?.serverId).toMatch(/^a[0-9]+:.+$/);
    expect(JSON.stringify(card?.data)).toContain('Carol');
  });

  it('Ping returns when mail arrives over SMTP, and the next Sync brings it', async () => {
    const waiting = phone.ping(600, [{ id: folders.inbox, class: 'Email' }]);
    await h.sendSmtp(BOB, ALICE, 'After the ping');
    const pinged = await waiting;
    expect([pinged.http, pinged.status, pinged.folders]).toEqual([200, '2', [folders.inbox]]);
    const sync = await phone.sync([{ collectionId: folders.inbox, options: [plainBody] }]);
    const adds = sync.collections[folders.inbox]?.adds ?? [];
    expect(adds.map(subjectOf)).toEqual(['After the ping']);
    mail['After the ping'] = adds[0].serverId;
    // Nothing left for the device.
    const again = await phone.sync([{ collectionId: folders.inbox, options: [plainBody] }]);
    expect(again.collections[folders.inbox]?.adds ?? []).toEqual([]);
  });

  it('Ping returns when an event is PUT over CalDAV, and the next Sync brings it', async () => {
    const waiting = phone.ping(600, [
      { id: folders.inbox, class: 'Email' },
      { id: folders.calendar, class: 'Calendar' },
    ]);
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//first-sync//EN',
      'BEGIN:VEVENT',
      'UID:dav-event-2@first.example',
      'DTSTAMP:20261201T080000Z',
      'DTSTART:20261220T140000Z',
      'DTEND:20261220T150000Z',
      'SUMMARY:Review (pushed)',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const put = await dav('PUT', `/dav/calendars/${ALICE}/personal/dav-event-2.ics`, ics, {
      'content-type': 'text/calendar',
    });
    expect(put.status).toBe(201);
    const pinged = await waiting;
    expect([pinged.status, pinged.folders]).toEqual(['2', [folders.calendar]]);
    const sync = await phone.sync([{ collectionId: folders.calendar }]);
    expect(sync.collections[folders.calendar]?.adds.map(subjectOf)).toEqual(['Review (pushed)']);
  });

  it('a flag set over EAS is seen over IMAP and JMAP, and one set over IMAP and JMAP over EAS', async () => {
    const bySubject = mail;
    expect(Object.keys(bySubject).sort()).toEqual(['After the ping', 'Welcome']);

    const changed = await phone.sync([
      {
        collectionId: folders.inbox,
        options: [plainBody],
        commands: [
          airsync(
            'Change',
            airsync('ServerId', bySubject.Welcome),
            airsync(
              'ApplicationData',
              email('Read', 1),
              email('Flag', email('Status', 2), email('FlagType', 'Flag for follow up')),
            ),
          ),
        ],
      },
    ]);
    expect(changed.collections[folders.inbox]?.status).toBe('1');
    // A successful Change has no Responses entry (only failures are reported).
    expect(changed.collections[folders.inbox]?.responses.changes.filter((c) => c.status !== '1')).toEqual([]);
    expect((await imapFlags(ALICE, 'Welcome'))?.flags.sort()).toEqual(['\\Flagged', '\\Seen']);
    expect((await other.jmapEmail(ALICE, 'Welcome')).keywords).toMatchObject({ $flagged: true, $seen: true });

    // The other way round: \Flagged over IMAP, $seen over JMAP on the other message.
    const later = await imapFlags(ALICE, 'After the ping');
    await other.imap(ALICE, 'INBOX', (c) =>
      c.messageFlagsAdd(String(later!.uid), ['\\Flagged'], { uid: true }),
    );
    const { id } = await other.jmapEmail(ALICE, 'After the ping');
    expect(await other.jmapKeywords(ALICE, id, { $seen: true })).toEqual([id]);
    const seen = await phone.sync([{ collectionId: folders.inbox, options: [plainBody] }]);
    const change = seen.collections[folders.inbox]?.changes.find(
      (c) => c.serverId === bySubject['After the ping'],
    );
    expect(textAt(change?.data, 'Read')).toBe('1');
    expect(textAt(change?.data, 'Flag', 'Status')).toBe('2');
    // The device's own change is not sent back to it.
    expect(seen.collections[folders.inbox]?.changes.map((c) => c.serverId)).not.toContain(bySubject.Welcome);
  });

  it('SendMail reaches a local account, with a copy in Sent', async () => {
    const mime = [
      `From: ${ALICE}`,
      `To: ${BOB}`,
      'Subject: Sent from the phone',
      'Message-ID: <first-sync-1@first.example>',
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hello Bob, from ActiveSync.',
      '',
    ].join('\r\n');
    const sent = await phone.sendMail(mime, 'first-sync-1');
    // Success is an empty 200 (MS-ASCMD §2.2.1.17).
    expect([sent.status, sent.body.length]).toEqual([200, 0]);
    const delivered = await eventually(() => imapFlags(BOB, 'Sent from the phone'));
    expect(delivered.uid).toBeGreaterThan(0);
    const copy = await eventually(() => other.imapFlags(ALICE, 'Sent from the phone', 'Sent'));
    expect(copy.flags).toContain('\\Seen');
  });

  it('an event made over EAS (Sync Add in the Calendar) is read back as iCalendar over CalDAV', async () => {
    const start = new Date(Date.now() + 2 * 86_400_000);
    start.setUTCHours(9, 0, 0, 0);
    const end = new Date(start.getTime() + 30 * 60_000);
    const utc = Buffer.alloc(172).toString('base64');
    const added = await phone.sync([
      {
        collectionId: folders.calendar,
        options: [plainBody],
        commands: [
          airsync(
            'Add',
            airsync('ClientId', 'event-from-phone-1'),
            airsync(
              'ApplicationData',
              cal('TimeZone', utc),
              cal('AllDayEvent', 0),
              base('Body', base('Type', 1), base('Data', 'Daily sync-up')),
              cal('BusyStatus', 2),
              cal('DtStamp', compact(new Date())),
              cal('EndTime', compact(end)),
              cal('MeetingStatus', 0),
              cal('Sensitivity', 0),
              cal('StartTime', compact(start)),
              cal('Subject', 'Standup (from the phone)'),
            ),
          ),
        ],
      },
    ]);
    const response = added.collections[folders.calendar]?.responses.adds[0];
    expect(response).toMatchObject({ clientId: 'event-from-phone-1', status: '1' });
    expect(response?.serverId).toMatch(/^c[0-9]+:.+$/);

    const bodies = await other.davObjects(ALICE, `/dav/calendars/${ALICE}/personal/`);
    const ics = bodies.find((b) => b.includes('SUMMARY:Standup (from the phone)'));
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(ics).toMatch(new RegExp(`DTSTART[^:\\r\\n]*:${compact(start).slice(0, 15)}`));
    expect(ics).toMatch(new RegExp(`DTEND[^:\\r\\n]*:${compact(end).slice(0, 15)}`));
    expect(ics).toContain('Daily sync-up');
  });
});

describe('contacts made on the phone', () => {
  it('a contact added over EAS is read back as a vCard over CardDAV', async () => {
    const c = (name: string, ...content: (EasElement | string | number)[]) =>
      el('Contacts', name, ...content);
    const added = await phone.sync([
      {
        collectionId: folders.contacts,
        commands: [
          airsync(
            'Add',
            airsync('ClientId', 'contact-from-phone-1'),
            airsync(
              'ApplicationData',
              c('Email1Address', '"Dave Phone" <dave@elsewhere.example>'),
              c('FileAs', 'Phone, Dave'),
              c('FirstName', 'Dave'),
              c('LastName', 'Phone'),
              c('MobilePhoneNumber', '+1 555 0100'),
            ),
          ),
        ],
      },
    ]);
    const response = added.collections[folders.contacts]?.responses.adds[0];
    expect(response).toMatchObject({ clientId: 'contact-from-phone-1', status: '1' });
    const cards = await other.davObjects(ALICE, `/dav/addressbooks/${ALICE}/contacts/`);
    const card = cards.find((text) => text.includes('dave@elsewhere.example'));
    expect(card).toMatch(/^BEGIN:VCARD\r\n/);
    expect(card).toMatch(/\r\nN[;:][^\r\n]*Phone;Dave/);
    expect(card).toContain('+1 555 0100');
  });
});

(LIBWBXML ? it : it.skip)('every response body decodes the same with wbxml2xml', () => {
  expect(phone.seen.length).toBeGreaterThan(8);
  expectSameAsLibwbxml(phone.seen);
});
if (!LIBWBXML) console.warn(LIBWBXML_MISSING);
