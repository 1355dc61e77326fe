/**
 * Answers to single occurrences (RFC 6638 §3.2.2, RFC 5546 §3.2.3) over PGlite and the real
 * PimStore: an attendee's override with a new PARTSTAT sends a REPLY carrying only that instance;
 * the organizer's copy gets the override (made from the master when it has none), the master and
 * the other instances untouched; a remote attendee's mailed REPLY for one instance does the same.
 */
import fc from 'fast-check';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import { Directory } from '../../../core/directory/directory';
import { extractCalendarFields } from '../../../core/pim/ical';
import { PimStore } from '../../../core/pim/pim-store';
import {
  applyImipMessage,
  buildImipMail,
  findByUid,
  itipFromMail,
  onCalendarObjectChanged,
  type LocalAccount,
  type SchedulingDeps,
} from '../../../core/pim/scheduling';

let db: PgliteDatabase;
let store: PimStore;
let alice: LocalAccount;
let bob: LocalAccount;
let deps: SchedulingDeps;
const mails: { data: Buffer; recipients: { address: string }[] }[] = [];
const CAROL = 'carol@remote.example';
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

beforeAll(async () => {
  db = await PgliteDatabase.open(undefined);
  await runMigrations(db);
  const directory = new Directory(db);
  await directory.addDomain('inst.test');
  const a = await directory.addAccount('alice@inst.test', 'alice-password-1');
  const b = await directory.addAccount('bob@inst.test', 'bob-password-1');
  alice = { id: a.id, address: a.address };
  bob = { id: b.id, address: b.address };
  store = new PimStore(db, null);
  deps = {
    store,
    localAccount: async (address) => {
      const account = await directory.getAccount(address);
      return account ? { id: account.id, address: account.address } : null;
    },
    submit: async (input) => void mails.push(input),
    now: () => new Date('2026-03-01T12:00:00Z'),
  };
});
afterAll(() => db.close());

const BERLIN = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:STANDARD',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
];

/** A weekly series on Mondays 10:00 Berlin time, from 2026-03-02 (CET, so 09:00Z). */
function series(uid: string, attendees: string[]): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Test//EN',
    ...BERLIN,
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260301T090000Z',
    'DTSTART;TZID=Europe/Berlin:20260302T100000',
    'DTEND;TZID=Europe/Berlin:20260302T110000',
    'RRULE:FREQ=WEEKLY;COUNT=10',
    'SUMMARY:Weekly',
    'ORGANIZER:mailto:alice@inst.test',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@inst.test',
    ...attendees.map((a) => `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a}`),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

async function put(account: LocalAccount, uid: string, data: string): Promise<string | null> {
  const existing = await findByUid(store, account.id, uid);
  const collection =
    existing?.collection ??
    (await store.collections(account.id, 'calendars')).find((c) => c.name === 'personal')!;
  await store.objects.put(
    collection,
    {
      name: existing?.object.name ?? `${uid}.ics`,
      data,
      contentType: 'text/calendar',
      ...extractCalendarFields(data),
    },
    existing ? { ifMatch: [existing.object.etag] } : { ifNoneMatch: '*' },
  );
  return existing?.object.data ?? null;
}

/** Alice creates the series and the scheduling runs (bob gets his copy). */
async function invite(uid: string, attendees: string[]) {
  await store.ensureDefaults(alice.id);
  await store.ensureDefaults(bob.id);
  const data = series(uid, attendees);
  await put(alice, uid, data);
  return onCalendarObjectChanged(deps, { account: alice, collectionId: 0, before: null, after: data });
}

async function copyOf(account: LocalAccount, uid: string): Promise<string> {
  const found = await findByUid(store, account.id, uid);
  if (!found) throw new Error(`no copy of ${uid}`);
  return unfold(found.object.data);
}

/** Bob stores `after` as his copy and the scheduling runs for his change. */
async function bobPuts(uid: string, after: string) {
  const before = await put(bob, uid, after);
  return onCalendarObjectChanged(deps, { account: bob, collectionId: 0, before, after });
}

/** An override of bob's copy for the occurrence at `recurrenceId`, with his answer. */
function withOverride(copy: string, recurrenceId: string, start: string, partstat: string): string {
  const master = /BEGIN:VEVENT\r\n[\s\S]*?END:VEVENT\r\n/.exec(copy)![0];
  const override = master
    .replace(/RRULE:[^\r]*\r\n/, '')
    .replace(/DTSTART;TZID=Europe\/Berlin:\d+T\d+/, `DTSTART;TZID=Europe/Berlin:${start}`)
    .replace(/DTEND;TZID=Europe\/Berlin:\d+T\d+/, `DTEND;TZID=Europe/Berlin:${start.replace('T10', 'T11')}`)
    .replace('BEGIN:VEVENT\r\n', `BEGIN:VEVENT\r\nRECURRENCE-ID${recurrenceId}\r\n`)
    .replace(/PARTSTAT=[A-Z-]+([^\r]*:mailto:bob@inst\.test)/, `PARTSTAT=${partstat}$1`);
  return copy.replace('END:VCALENDAR', `${override}END:VCALENDAR`);
}

/** A REPLY by mail from `from` about one instance (`recurrenceId`: ":20260309T090000Z" etc.). */
function replyMail(
  uid: string,
  recurrenceId: string,
  partstat: string,
  from: string,
  to: string,
  attendee = from,
) {
  const itip = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//remote//EN',
    'METHOD:REPLY',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260302T000000Z',
    `RECURRENCE-ID${recurrenceId}`,
    'ORGANIZER:mailto:alice@inst.test',
    `ATTENDEE;PARTSTAT=${partstat}:mailto:${attendee}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  return buildImipMail({ method: 'REPLY', from, to: [to], summary: 'Weekly', itip, now: new Date() });
}

const bobsPartstats = (ics: string) =>
  [...ics.matchAll(/BEGIN:VEVENT\r\n([\s\S]*?)END:VEVENT/g)].map((m) => ({
    recurrenceId: /RECURRENCE-ID[^\r]*/.exec(m[1])?.[0] ?? null,
    bob: /ATTENDEE;[^\r]*PARTSTAT=([A-Z-]+)[^\r]*:mailto:bob@inst\.test/.exec(m[1])?.[1] ?? null,
  }));

test("bob declines one occurrence: the REPLY has only that instance; alice's copy gets the override", async () => {
  const uid = 'weekly-1';
  expect((await invite(uid, ['bob@inst.test'])).local).toEqual(['bob@inst.test']);
  const bobs = await copyOf(bob, uid);
  const result = await bobPuts(
    uid,
    withOverride(bobs, ';TZID=Europe/Berlin:20260316T100000', '20260316T100000', 'DECLINED'),
  );
  expect(result).toMatchObject({ method: 'REPLY', local: ['alice@inst.test'], failed: [] });

  // The iTIP message in alice's schedule inbox: one VEVENT, the instance, bob's answer.
  const inbox = (await store.collections(alice.id, 'calendars')).find((c) => c.kind === 'schedule-inbox')!;
  const reply = unfold((await store.objects.list(inbox.id)).find((o) => o.uid === uid)!.data);
  expect(reply).toContain('METHOD:REPLY');
  expect(reply.match(/BEGIN:VEVENT/g)).toHaveLength(1);
  expect(reply).toMatch(/RECURRENCE-ID;TZID=Europe\/Berlin:20260316T100000/);
  expect(reply).toMatch(/ATTENDEE;[^\r]*PARTSTAT=DECLINED[^\r]*:mailto:bob@inst\.test/);
  expect(reply).not.toContain('RRULE:FREQ=WEEKLY');

  const alices = await copyOf(alice, uid);
  expect(bobsPartstats(alices)).toEqual([
    { recurrenceId: null, bob: 'NEEDS-ACTION' },
    { recurrenceId: 'RECURRENCE-ID;TZID=Europe/Berlin:20260316T100000', bob: 'DECLINED' },
  ]);
  // The new override is the master's content at that date.
  expect(alices).toMatch(/DTSTART;TZID=Europe\/Berlin:20260316T100000/);
  expect(alices).toMatch(/DTEND;TZID=Europe\/Berlin:20260316T110000/);
  expect(alices.match(/RRULE:FREQ=WEEKLY/g)).toHaveLength(1);
  expect(alices.match(/SUMMARY:Weekly/g)).toHaveLength(2);

  // A change to that same override; then bob accepts the series (master only).
  const tentative = (await copyOf(bob, uid)).replace(
    /(RECURRENCE-ID[\s\S]*?)PARTSTAT=DECLINED/,
    '$1PARTSTAT=TENTATIVE',
  );
  expect((await bobPuts(uid, tentative)).method).toBe('REPLY');
  const accepted = tentative.replace(
    /PARTSTAT=NEEDS-ACTION([^\r]*:mailto:bob@inst\.test)/,
    'PARTSTAT=ACCEPTED$1',
  );
  expect((await bobPuts(uid, accepted)).method).toBe('REPLY');
  const lastReply = unfold((await store.objects.list(inbox.id)).find((o) => o.uid === uid)!.data);
  expect(lastReply.match(/BEGIN:VEVENT/g)).toHaveLength(1);
  expect(lastReply).not.toContain('RECURRENCE-ID');
  expect(bobsPartstats(await copyOf(alice, uid))).toEqual([
    { recurrenceId: null, bob: 'ACCEPTED' },
    { recurrenceId: 'RECURRENCE-ID;TZID=Europe/Berlin:20260316T100000', bob: 'TENTATIVE' },
  ]);

  // No answer changed (only an alarm-free DTSTAMP touch): no REPLY.
  const restamped = accepted.replace(/DTSTAMP:\d+T\d+Z/, 'DTSTAMP:20260305T000000Z');
  expect((await bobPuts(uid, restamped)).method).toBeNull();
});

test('a new override with the answer the series already had sends nothing', async () => {
  const uid = 'weekly-2';
  await invite(uid, ['bob@inst.test']);
  const bobs = await copyOf(bob, uid);
  const same = withOverride(bobs, ';TZID=Europe/Berlin:20260323T100000', '20260323T100000', 'NEEDS-ACTION');
  expect((await bobPuts(uid, same)).method).toBeNull();
});

test("bob deletes one occurrence from his copy (EXDATE): alice's copy shows that instance declined", async () => {
  const uid = 'weekly-5';
  await invite(uid, ['bob@inst.test']);
  const bobs = await copyOf(bob, uid);
  const removed = bobs.replace(
    'RRULE:FREQ=WEEKLY;COUNT=10\r\n',
    'RRULE:FREQ=WEEKLY;COUNT=10\r\nEXDATE;TZID=Europe/Berlin:20260323T100000\r\n',
  );
  expect(removed).not.toBe(bobs);
  expect(await bobPuts(uid, removed)).toMatchObject({ method: 'REPLY', local: ['alice@inst.test'] });
  expect(bobsPartstats(await copyOf(alice, uid))).toEqual([
    { recurrenceId: null, bob: 'NEEDS-ACTION' },
    { recurrenceId: 'RECURRENCE-ID;TZID=Europe/Berlin:20260323T100000', bob: 'DECLINED' },
  ]);
  // The same EXDATE again (another edit of the copy): nothing more to say.
  expect((await bobPuts(uid, removed.replace('SUMMARY:Weekly', 'SUMMARY:Weekly (mine)'))).method).toBeNull();
});

test("a remote attendee's answer for one instance: mailed to them with only it; mailed back, it updates it", async () => {
  const uid = 'weekly-3';
  mails.length = 0;
  const result = await invite(uid, ['bob@inst.test', CAROL]);
  expect(result.remote).toEqual([CAROL]);
  const request = itipFromMail(mails[0].data)!.itip;

  // Carol's client answers one occurrence, the RECURRENCE-ID in UTC (10:00 Berlin = 09:00Z).
  const master = unfold(/BEGIN:VEVENT\r\n[\s\S]*?END:VEVENT\r\n/.exec(request)![0]);
  expect(master).toContain('RRULE:FREQ=WEEKLY');
  const send = (id: string, partstat: string, attendee = CAROL) =>
    applyImipMessage({ store }, alice, replyMail(uid, `:${id}`, partstat, CAROL, alice.address, attendee));
  expect(await send('20260309T090000Z', 'DECLINED')).toEqual({
    method: 'REPLY',
    outcome: 'applied',
  });
  const carols = (ics: string) =>
    [...ics.matchAll(/BEGIN:VEVENT\r\n([\s\S]*?)END:VEVENT/g)].map((m) => ({
      recurrenceId: /RECURRENCE-ID[^\r]*/.exec(m[1])?.[0] ?? null,
      carol: /ATTENDEE;[^\r]*PARTSTAT=([A-Z-]+)[^\r]*:mailto:carol@remote\.example/.exec(m[1])?.[1] ?? null,
    }));
  expect(carols(await copyOf(alice, uid))).toEqual([
    { recurrenceId: null, carol: 'NEEDS-ACTION' },
    { recurrenceId: 'RECURRENCE-ID;TZID=Europe/Berlin:20260309T100000', carol: 'DECLINED' },
  ]);

  // Not an occurrence of the series (a Tuesday), or past its COUNT: nothing changes.
  expect((await send('20260310T090000Z', 'ACCEPTED')).outcome).toBe('ignored');
  expect((await send('20260601T080000Z', 'ACCEPTED')).outcome).toBe('ignored');
  // Carol answering for bob: forged.
  expect((await send('20260316T090000Z', 'ACCEPTED', 'bob@inst.test')).outcome).toBe('forged');
  expect(carols(await copyOf(alice, uid))).toHaveLength(2);
  expect(bobsPartstats(await copyOf(alice, uid)).map((c) => c.bob)).toEqual(['NEEDS-ACTION', 'NEEDS-ACTION']);

  // Bob, an attendee of a series organised elsewhere, declines one instance: iMIP with only it.
  mails.length = 0;
  const remoteSeries = series('weekly-remote', ['bob@inst.test'])
    .replace(/ORGANIZER:mailto:alice@inst\.test/, 'ORGANIZER:mailto:erin@remote.example')
    .replace(/ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@inst\.test\r\n/, '');
  await put(bob, 'weekly-remote', remoteSeries);
  const declined = withOverride(
    remoteSeries,
    ';TZID=Europe/Berlin:20260330T100000',
    '20260330T100000',
    'DECLINED',
  );
  const sent = await bobPuts('weekly-remote', declined);
  expect(sent).toMatchObject({ method: 'REPLY', remote: ['erin@remote.example'] });
  const mailed = unfold(itipFromMail(mails[0].data)!.itip);
  expect(mailed.match(/BEGIN:VEVENT/g)).toHaveLength(1);
  expect(mailed).toMatch(/RECURRENCE-ID;TZID=Europe\/Berlin:20260330T100000/);
  expect(mailed).toMatch(/PARTSTAT=DECLINED[^\r]*:mailto:bob@inst\.test/);
  expect(mails[0].data.toString('latin1')).toMatch(/Subject: Declined: Weekly/);
});

test("another account's event is not touched by a reply addressed to it", async () => {
  const uid = 'weekly-4';
  await invite(uid, ['bob@inst.test']);
  // A REPLY to bob (not the organizer) for alice's series: ignored, bob's copy unchanged.
  const before = await copyOf(bob, uid);
  const mail = replyMail(uid, ':20260309T090000Z', 'DECLINED', CAROL, bob.address);
  expect((await applyImipMessage({ store }, bob, mail)).outcome).toBe('ignored');
  expect(await copyOf(bob, uid)).toBe(before);
  expect(await copyOf(alice, uid)).not.toContain('RECURRENCE-ID');
});

test('property: a mailed REPLY applies only to real occurrences, and never touches the master', async () => {
  const uid = 'weekly-prop';
  await invite(uid, [CAROL]);
  const reply = (recurrenceId: string, partstat: string) =>
    replyMail(uid, recurrenceId, partstat, CAROL, alice.address);
  const compact = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('.000', '');
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: -1, max: 12 }),
      fc.constantFrom(0, 30, 24 * 60),
      fc.constantFrom('ACCEPTED', 'DECLINED', 'TENTATIVE'),
      async (week, offsetMinutes, partstat) => {
        // Mondays 10:00 Berlin: 09:00Z until the DST change on 2026-03-29, 08:00Z after it.
        const day = new Date(Date.UTC(2026, 2, 2 + 7 * week));
        const at = new Date(
          day.getTime() + ((day < new Date('2026-03-29') ? 9 : 8) * 60 + offsetMinutes) * 60_000,
        );
        const outcome = (await applyImipMessage({ store }, alice, reply(`:${compact(at)}`, partstat)))
          .outcome;
        const real = week >= 0 && week < 10 && offsetMinutes === 0;
        expect(outcome).toBe(real ? 'applied' : 'ignored');
        const master = carolsMaster(await copyOf(alice, uid));
        expect(master).toBe('NEEDS-ACTION');
      },
    ),
    { numRuns: 40 },
  );
  // Arbitrary text as RECURRENCE-ID: never an exception, never the master.
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 30 }), async (junk) => {
      const value = junk.replace(/[\r\n]/g, '');
      const result = await applyImipMessage({ store }, alice, reply(`:${value}`, 'DECLINED'));
      expect(['ignored', 'applied']).toContain(result.outcome);
      expect(carolsMaster(await copyOf(alice, uid))).toBe('NEEDS-ACTION');
    }),
    { numRuns: 30 },
  );
});

function carolsMaster(ics: string): string | null {
  const master = [...ics.matchAll(/BEGIN:VEVENT\r\n([\s\S]*?)END:VEVENT/g)].find(
    (m) => !m[1].includes('RECURRENCE-ID'),
  );
  return (
    /ATTENDEE;[^\r]*PARTSTAT=([A-Z-]+)[^\r]*:mailto:carol@remote\.example/.exec(master?.[1] ?? '')?.[1] ??
    null
  );
}
