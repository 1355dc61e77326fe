/**
 * The PIM item sources (core/eas/pim/pim-source.ts) over a real PimStore on PGlite (PostgreSQL
 * with NIMBUS_TEST_DATABASE_URL): folder classes, FilterType windows (recurring series with an
 * instance in the window count) and FilterType 8, Add/Change/Delete through the store (CalDAV
 * sync revision and 'pim' events follow), bad device input as Status 6, tenant isolation.
 */
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { PgDatabase } from '../../../core/adapters/postgres/pg-database';
import { runMigrations } from '../../../core/db/migrate';
import { compactDate } from '../../../core/eas/pim/eas-values';
import { CalendarItemSource, ContactItemSource } from '../../../core/eas/pim/pim-source';
import type { RenderOptions } from '../../../core/eas/sync/item-source';
import { child, el } from '../../../core/eas/wbxml/tree';
import { extractCalendarFields } from '../../../core/pim/ical';
import { PimStore, type StoredCollection } from '../../../core/pim/pim-store';
import type { MailboxChange, MailboxEvents } from '../../../core/ports/events';
import type { SqlDatabase } from '../../../core/ports/sql';
import { createTestDatabaseUrl } from '../../helpers/test-database';
import { CONTACT, TASK } from './pim-fixtures';

const published: MailboxChange[] = [];
const events: MailboxEvents = {
  publish: async (c) => void published.push(c),
  subscribe: () => () => undefined,
  close: async () => undefined,
};
const OPTIONS: RenderOptions = { version: '14.1', bodyPreferences: [{ type: 1 }], mimeSupport: 0 };
const DAY = 86_400_000;

let db: SqlDatabase;
let drop: () => Promise<void>;
let store: PimStore;
let calendars: CalendarItemSource;
let contacts: ContactItemSource;
let alice: number;
let bob: number;
let personal: StoredCollection;
let tasks: StoredCollection;
let book: StoredCollection;
let bobsCalendar: StoredCollection;

const ics = (uid: string, start: number, extra = '') =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    `DTSTART:${compactDate(start)}`,
    `DTEND:${compactDate(start + 3600_000)}`,
    `SUMMARY:${uid}`,
    ...(extra ? [extra] : []),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

async function put(collection: StoredCollection, name: string, text: string) {
  const contentType = name.endsWith('.vcf') ? 'text/vcard' : 'text/calendar';
  const fields = contentType === 'text/calendar' ? extractCalendarFields(text) : { uid: name };
  return (await store.objects.put(collection, { name, data: text, contentType, ...fields })).object;
}

const revision = async (c: StoredCollection) => (await store.collectionById(c.id))!.syncRevision;

beforeAll(async () => {
  const database = await createTestDatabaseUrl();
  drop = database.drop;
  db = database.url
    ? new PgDatabase({ connectionString: database.url })
    : await PgliteDatabase.open(undefined);
  await runMigrations(db);
  const d = await db.query<{ id: string }>(`INSERT INTO domains (name) VALUES ('pim.test') RETURNING id`);
  const ids: number[] = [];
  for (const address of ['alice@pim.test', 'bob@pim.test']) {
    const r = await db.query<{ id: string }>(
      `INSERT INTO accounts (domain_id, address, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
      [d.rows[0].id, address],
    );
    ids.push(Number(r.rows[0].id));
  }
  [alice, bob] = ids;
  store = new PimStore(db, events);
  calendars = new CalendarItemSource(store);
  contacts = new ContactItemSource(store);
  personal = (await store.collection(alice, 'calendars', 'personal'))!;
  book = (await store.collection(alice, 'addressbooks', 'contacts'))!;
  tasks = await store.createCollection(alice, 'calendars', {
    kind: 'calendar',
    name: 'todo',
    displayName: 'To do',
    components: ['VTODO'],
  });
  bobsCalendar = (await store.collection(bob, 'calendars', 'personal'))!;
}, 60_000);
afterAll(async () => {
  await db?.close();
  await drop?.();
});

describe('folders', () => {
  it('classes of the account’s own collections; anything else is not found', async () => {
    expect(await calendars.classOf(alice, `c${personal.id}`)).toBe('Calendar');
    expect(await calendars.classOf(alice, `c${tasks.id}`)).toBe('Tasks');
    expect(await contacts.classOf(alice, `a${book.id}`)).toBe('Contacts');
    const inbox = (await store.collection(alice, 'calendars', 'inbox'))!;
    for (const [source, id] of [
      [calendars, `c${bobsCalendar.id}`],
      [calendars, `c${inbox.id}`],
      [calendars, `a${book.id}`],
      [contacts, `c${personal.id}`],
      [calendars, 'c'],
      [calendars, `c${personal.id}x`],
      [calendars, 'c99999999999999999999'],
    ] as const)
      expect([id, await source.classOf(alice, id)]).toEqual([id, null]);
  });
});

describe('versions and FilterType', () => {
  it('keeps what has an instance in the window, recurring series included', async () => {
    const now = Date.now();
    await put(personal, 'past.ics', ics('past', now - 30 * DAY));
    await put(personal, 'recent.ics', ics('recent', now - 10 * DAY));
    await put(personal, 'future.ics', ics('future', now + 100 * DAY));
    await put(personal, 'open.ics', ics('open', now - 365 * DAY, 'RRULE:FREQ=WEEKLY'));
    await put(personal, 'ended.ics', ics('ended', now - 300 * DAY, 'RRULE:FREQ=MONTHLY;COUNT=8'));
    const byUid = async (filter: number) => {
      const versions = await calendars.versions(alice, `c${personal.id}`, filter);
      const data = await calendars.applicationData(alice, `c${personal.id}`, [...versions.keys()], OPTIONS);
      return [...data.values()].map((d) => child(d, 'Subject')?.text).sort();
    };
    expect(await byUid(0)).toEqual(['ended', 'future', 'open', 'past', 'recent']);
    expect(await byUid(4)).toEqual(['future', 'open', 'recent']);
    expect(await byUid(5)).toEqual(['future', 'open', 'past', 'recent']);
    // The monthly series' last instance was about two months ago.
    expect(await byUid(7)).toEqual(['ended', 'future', 'open', 'past', 'recent']);
  });

  it('shows tasks in task lists only, and FilterType 8 drops completed ones', async () => {
    await put(tasks, 'open-task.ics', TASK);
    await put(
      tasks,
      'done-task.ics',
      TASK.replace('task-1@', 'task-2@').replace('STATUS:NEEDS-ACTION', 'STATUS:COMPLETED'),
    );
    await put(personal, 'task-in-calendar.ics', TASK.replace('task-1@', 'task-3@'));
    expect((await calendars.versions(alice, `c${tasks.id}`, 0)).size).toBe(2);
    expect((await calendars.versions(alice, `c${tasks.id}`, 8)).size).toBe(1);
    const inCalendar = await calendars.versions(alice, `c${personal.id}`, 0);
    const data = await calendars.applicationData(alice, `c${personal.id}`, [...inCalendar.keys()], OPTIONS);
    expect([...data.values()].every((d) => child(d, 'StartTime') !== undefined)).toBe(true);
  });
});

describe('Add, Change and Delete through the store', () => {
  const event = (subject: string, start = Date.UTC(2026, 11, 1, 9)) =>
    el(
      'AirSync',
      'ApplicationData',
      el('Calendar', 'StartTime', compactDate(start)),
      el('Calendar', 'EndTime', compactDate(start + 3600_000)),
      el('Calendar', 'Subject', subject),
    );

  it('an Add is a stored object with a new ETag and revision, and a pim event', async () => {
    const before = await revision(personal);
    published.length = 0;
    const added = await calendars.add(alice, `c${personal.id}`, event('Dentist'), '16.1');
    expect(added.status).toBe(1);
    expect(added.serverId).toMatch(new RegExp(`^c${personal.id}:[0-9]+$`));
    expect(await revision(personal)).toBeGreaterThan(before);
    expect(published.some((p) => p.kind === 'pim' && p.collectionId === personal.id)).toBe(true);
    const versions = await calendars.versions(alice, `c${personal.id}`, 0);
    const etag = versions.get(added.serverId!);
    expect(etag).toBeDefined();

    const changed = await calendars.change(
      alice,
      `c${personal.id}`,
      added.serverId!,
      event('Dentist (moved)'),
      '16.1',
    );
    expect(changed.status).toBe(1);
    expect((await calendars.versions(alice, `c${personal.id}`, 0)).get(added.serverId!)).not.toBe(etag);
    const data = await calendars.applicationData(alice, `c${personal.id}`, [added.serverId!], OPTIONS);
    expect(child(data.get(added.serverId!), 'Subject')?.text).toBe('Dentist (moved)');

    const mid = await revision(personal);
    expect(
      (await calendars.remove(alice, `c${personal.id}`, added.serverId!, { deletesAsMoves: true })).status,
    ).toBe(1);
    expect(await revision(personal)).toBeGreaterThan(mid);
    expect(
      (await calendars.remove(alice, `c${personal.id}`, added.serverId!, { deletesAsMoves: true })).status,
    ).toBe(8);
    expect(
      (await calendars.change(alice, `c${personal.id}`, added.serverId!, event('x'), '16.1')).status,
    ).toBe(8);
  });

  it('the same UID again (a lost Add answer) gives the same item', async () => {
    const withUid = el(
      'AirSync',
      'ApplicationData',
      ...event('Retry').children,
      el('Calendar', 'UID', 'retry-1'),
    );
    const first = await calendars.add(alice, `c${personal.id}`, withUid, '14.1');
    const again = await calendars.add(alice, `c${personal.id}`, withUid, '14.1');
    expect([first.status, again.status, again.serverId]).toEqual([1, 1, first.serverId]);
  });

  it('bad device input is Status 6, never an exception; a TimeZone that is no blob means UTC', async () => {
    for (const data of [
      el('AirSync', 'ApplicationData', el('Calendar', 'Subject', 'no start')),
      el('AirSync', 'ApplicationData', el('Calendar', 'StartTime', 'yesterday')),
      el('AirSync', 'ApplicationData', el('Calendar', 'StartTime', '20261301T000000Z')),
    ])
      expect((await calendars.add(alice, `c${personal.id}`, data, '14.1')).status).toBe(6);
    const odd = el(
      'AirSync',
      'ApplicationData',
      ...event('odd zone').children,
      el('Calendar', 'TimeZone', '!!!'),
    );
    const added = await calendars.add(alice, `c${personal.id}`, odd, '14.1');
    expect(added.status).toBe(1);
    const id = Number(added.serverId!.split(':')[1]);
    const stored = (await store.objects.list(personal.id)).find((o) => o.id === id)!;
    expect(stored.data).toContain('DTSTART:20261201T090000Z');
    // In a task list, ApplicationData is a task.
    const task = el('AirSync', 'ApplicationData', el('Tasks', 'Subject', 'Buy milk'));
    const t = await calendars.add(alice, `c${tasks.id}`, task, '14.1');
    expect(t.status).toBe(1);
    const data = await calendars.applicationData(alice, `c${tasks.id}`, [t.serverId!], OPTIONS);
    expect(child(data.get(t.serverId!), 'Subject', 9)?.text).toBe('Buy milk');
  });

  it('contacts: Add, Change keeping CardDAV-only properties, Delete', async () => {
    const stored = await put(book, 'jane.vcf', CONTACT);
    const serverId = `a${book.id}:${stored.id}`;
    const data = await contacts.applicationData(alice, `a${book.id}`, [serverId], OPTIONS);
    expect(child(data.get(serverId), 'Email1Address')?.text).toBe('jane@acme.example');
    const change = el(
      'AirSync',
      'ApplicationData',
      el('Contacts', 'FirstName', 'Janet'),
      el('Contacts', 'LastName', 'Doe'),
    );
    expect((await contacts.change(alice, `a${book.id}`, serverId, change, '14.1')).status).toBe(1);
    const after = (await store.objects.get(book.id, 'jane.vcf'))!;
    expect(after.data).toContain('IMPP:xmpp:jane@acme.example');
    expect(after.data).toContain('N:Doe;Janet;;;');
    // With the folder's Supported list, what the device does not manage is ghosted: kept.
    const ghosted = el('AirSync', 'ApplicationData', el('Contacts', 'FirstName', 'Jay'));
    expect(
      (await contacts.change(alice, `a${book.id}`, serverId, ghosted, '16.1', ['FirstName'])).status,
    ).toBe(1);
    const kept = (await store.objects.get(book.id, 'jane.vcf'))!.data;
    expect(kept).toContain('N:Doe;Jay;;;');
    // Without it, a Change replaces: LastName absent is LastName removed.
    const replaced = el('AirSync', 'ApplicationData', el('Contacts', 'FirstName', 'Jo'));
    expect((await contacts.change(alice, `a${book.id}`, serverId, replaced, '16.1')).status).toBe(1);
    expect((await store.objects.get(book.id, 'jane.vcf'))!.data).toContain('N:;Jo;;;');
    const added = await contacts.add(
      alice,
      `a${book.id}`,
      el('AirSync', 'ApplicationData', el('Contacts', 'FileAs', 'New')),
      '14.1',
    );
    expect(added.status).toBe(1);
    expect(
      (await contacts.remove(alice, `a${book.id}`, added.serverId!, { deletesAsMoves: false })).status,
    ).toBe(1);
  });
});

describe('tenant isolation', () => {
  it('another account’s folder and items are not found', async () => {
    const bobs = await put(bobsCalendar, 'secret.ics', ics('secret', Date.now()));
    const folder = `c${bobsCalendar.id}`;
    const item = `${folder}:${bobs.id}`;
    expect((await calendars.versions(alice, folder, 0)).size).toBe(0);
    expect((await calendars.applicationData(alice, folder, [item], OPTIONS)).size).toBe(0);
    expect((await calendars.add(alice, folder, el('AirSync', 'ApplicationData'), '14.1')).status).toBe(8);
    expect(
      (await calendars.change(alice, folder, item, el('AirSync', 'ApplicationData'), '14.1')).status,
    ).toBe(8);
    expect((await calendars.remove(alice, folder, item, { deletesAsMoves: false })).status).toBe(8);
    // Bob's item named through Alice's own folder is not hers either.
    const mine = `c${personal.id}`;
    expect((await calendars.applicationData(alice, mine, [`${mine}:${bobs.id}`], OPTIONS)).size).toBe(0);
    expect(
      (await calendars.remove(alice, mine, `${mine}:${bobs.id}`, { deletesAsMoves: false })).status,
    ).toBe(8);
    expect((await calendars.remove(alice, mine, item, { deletesAsMoves: false })).status).toBe(8);
    expect(await store.objects.get(bobsCalendar.id, 'secret.ics')).not.toBeNull();
  });
});
