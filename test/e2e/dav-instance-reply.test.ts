/**
 * Answers to one occurrence of a recurring meeting over real HTTP (CalDAV) and SMTP against an
 * in-process node (RFC 6638 §3.2.2, RFC 5546 §3.2.3): the local attendee PUTs his copy with one
 * override declined, and the organizer's copy shows that instance declined and the master
 * unchanged; a remote attendee's REPLY mailed for one instance updates that instance.
 */
import { eventually } from '../helpers/eventually';
import { WebHarness } from './web-harness';

let h: WebHarness;
const ALICE = 'alice@instance.test';
const BOB = 'bob@instance.test';
const CAROL = 'carol@remote.example';
const PW = 'correct horse battery staple 1';
const UID = 'weekly-sync-1';

async function dav(method: string, path: string, user: string, body?: string, headers = {}) {
  const res = await fetch(h.base + path, { method, headers: { ...h.basic(user, PW), ...headers }, body });
  return { status: res.status, text: await res.text(), etag: res.headers.get('etag') };
}
const ics = { 'content-type': 'text/calendar; charset=utf-8' };
const unfold = (text: string) => text.replace(/\r?\n[ \t]/g, '');
const alicesPath = `/dav/calendars/${ALICE}/personal/${UID}.ics`;
const bobsPath = `/dav/calendars/${BOB}/personal/${UID}.ics`;

/** Each VEVENT's RECURRENCE-ID (null: the master) and the PARTSTAT of `who` in it. */
function answers(text: string, who: string) {
  const escaped = who.replace(/[.@]/g, (c) => `\\${c}`);
  return [...unfold(text).matchAll(/BEGIN:VEVENT\r?\n([\s\S]*?)END:VEVENT/g)].map((m) => ({
    recurrenceId: /RECURRENCE-ID[^\r\n]*/.exec(m[1])?.[0] ?? null,
    partstat:
      new RegExp(`ATTENDEE;[^\\r\\n]*PARTSTAT=([A-Z-]+)[^\\r\\n]*:mailto:${escaped}`, 'i').exec(m[1])?.[1] ??
      null,
  }));
}

beforeAll(async () => {
  h = await WebHarness.start();
  await h.addUser(ALICE, PW);
  await h.addUser(BOB, PW);
});
afterAll(() => h?.node.destroy());

test('alice invites bob and carol to a weekly series; bob declines one occurrence by PUT', async () => {
  const series = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    `UID:${UID}`,
    'DTSTAMP:20260101T000000Z',
    'DTSTART:20260105T090000Z',
    'DTEND:20260105T093000Z',
    'RRULE:FREQ=WEEKLY;COUNT=8',
    'SUMMARY:Weekly sync',
    `ORGANIZER:mailto:${ALICE}`,
    `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${ALICE}`,
    `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${BOB}`,
    `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${CAROL}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  expect((await dav('PUT', alicesPath, ALICE, series, ics)).status).toBe(201);

  const copy = await dav('GET', bobsPath, BOB);
  expect(copy.status).toBe(200);
  // Bob's client adds an override for 2026-01-19 with his answer, as clients do.
  const text = unfold(copy.text).replace(/\r?\n/g, '\r\n');
  const master = /BEGIN:VEVENT\r\n[\s\S]*?END:VEVENT\r\n/.exec(text)![0];
  const override = master
    .replace(/RRULE:[^\r]*\r\n/, '')
    .replace('DTSTART:20260105T090000Z', 'DTSTART:20260119T090000Z')
    .replace('DTEND:20260105T093000Z', 'DTEND:20260119T093000Z')
    .replace('BEGIN:VEVENT\r\n', 'BEGIN:VEVENT\r\nRECURRENCE-ID:20260119T090000Z\r\n')
    .replace(/PARTSTAT=NEEDS-ACTION([^\r]*:mailto:bob@instance\.test)/i, 'PARTSTAT=DECLINED$1');
  expect(override).toContain('PARTSTAT=DECLINED');
  const withOverride = text.replace('END:VCALENDAR', `${override}END:VCALENDAR`);
  const put = await dav('PUT', bobsPath, BOB, withOverride, { ...ics, 'if-match': copy.etag! });
  expect(put.status).toBe(204);

  const alices = await dav('GET', alicesPath, ALICE);
  expect(answers(alices.text, BOB)).toEqual([
    { recurrenceId: null, partstat: 'NEEDS-ACTION' },
    { recurrenceId: 'RECURRENCE-ID:20260119T090000Z', partstat: 'DECLINED' },
  ]);
  expect(unfold(alices.text)).toContain('DTSTART:20260119T090000Z');
  expect(unfold(alices.text).match(/RRULE:/g)).toHaveLength(1);
  // The REPLY in alice's schedule inbox carries only that instance.
  const listing = await dav('PROPFIND', `/dav/calendars/${ALICE}/inbox/`, ALICE, undefined, { depth: '1' });
  const names = [...listing.text.matchAll(/\/inbox\/([0-9a-f]+\.ics)</g)].map((m) => m[1]);
  const items = await Promise.all(names.map((n) => dav('GET', `/dav/calendars/${ALICE}/inbox/${n}`, ALICE)));
  const reply = unfold(items.find((i) => i.text.includes(`UID:${UID}`))!.text);
  expect(reply).toContain('METHOD:REPLY');
  expect(reply.match(/BEGIN:VEVENT/g)).toHaveLength(1);
  expect(reply).toContain('RECURRENCE-ID:20260119T090000Z');
  expect(reply).not.toContain('RRULE');
});

test("a remote attendee's mailed REPLY for one instance updates that instance only", async () => {
  const reply = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//remote//EN',
    'METHOD:REPLY',
    'BEGIN:VEVENT',
    `UID:${UID}`,
    'DTSTAMP:20260102T000000Z',
    'RECURRENCE-ID:20260126T090000Z',
    `ORGANIZER:mailto:${ALICE}`,
    `ATTENDEE;PARTSTAT=TENTATIVE:mailto:${CAROL}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  await h.sendSmtp(CAROL, ALICE, 'Tentative: Weekly sync', {
    icalEvent: { method: 'REPLY', content: reply },
  });
  const updated = await eventually(async () => {
    const res = await dav('GET', alicesPath, ALICE);
    return res.text.includes('RECURRENCE-ID:20260126T090000Z') ? res : null;
  });
  expect(answers(updated.text, CAROL)).toEqual([
    { recurrenceId: null, partstat: 'NEEDS-ACTION' },
    { recurrenceId: 'RECURRENCE-ID:20260119T090000Z', partstat: 'NEEDS-ACTION' },
    { recurrenceId: 'RECURRENCE-ID:20260126T090000Z', partstat: 'TENTATIVE' },
  ]);
  // Bob's earlier answer is untouched.
  expect(answers(updated.text, BOB).map((a) => a.partstat)).toEqual([
    'NEEDS-ACTION',
    'DECLINED',
    'NEEDS-ACTION',
  ]);
});
