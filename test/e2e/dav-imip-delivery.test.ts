/**
 * Incoming iMIP (RFC 6047) over real SMTP into an in-process node, read back over CalDAV: an
 * invitation lands in the INBOX and in the calendar (schedule inbox + default calendar), a REPLY
 * updates the organizer's PARTSTAT, a CANCEL cancels. Plain local recipients take the batch fast
 * path; a recipient reached through an alias takes the per-job path (LocalDelivery).
 */
import { eventually } from '../helpers/eventually';
import { WebHarness } from './web-harness';

let h: WebHarness;
const ALICE = 'alice@imip.test';
const BOB = 'bob@imip.test';
const TEAM = 'team@imip.test'; // an alias of bob: the slow path
const ORGANIZER = 'org@remote.example';
const CAROL = 'carol@remote.example';
const PW = 'correct horse battery staple 1';

async function dav(method: string, path: string, user: string, body?: string, headers = {}) {
  const res = await fetch(h.base + path, {
    method,
    headers: { ...h.basic(user, PW), ...headers },
    body,
  });
  return { status: res.status, text: await res.text(), etag: res.headers.get('etag') };
}

function vevent(
  method: string | null,
  uid: string,
  organizer: string,
  attendees: [string, string][],
  extra: string[] = [],
) {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//remote//EN',
    ...(method ? [`METHOD:${method}`] : []),
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    'DTSTART:20260110T100000Z',
    'DTEND:20260110T110000Z',
    'SUMMARY:Planning',
    `ORGANIZER:mailto:${organizer}`,
    ...attendees.map(([a, partstat]) => `ATTENDEE;PARTSTAT=${partstat};RSVP=TRUE:mailto:${a}`),
    ...extra,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

/** An iMIP mail as a remote client sends it (nodemailer: multipart/alternative with text/calendar). */
async function sendItip(from: string, to: string, method: string, ics: string) {
  await h.sendSmtp(from, to, `${method}: Planning`, { icalEvent: { method, content: ics } });
}

async function inboxCount(address: string): Promise<number> {
  const result = await h.node.storage.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
     JOIN accounts a ON a.id = b.account_id WHERE a.address = $1 AND b.name = 'INBOX'`,
    [address],
  );
  return Number(result.rows[0].n);
}

const get = (user: string, calendar: string, name: string) =>
  dav('GET', `/dav/calendars/${user}/${calendar}/${name}`, user);

beforeAll(async () => {
  h = await WebHarness.start();
  await h.addUser(ALICE, PW);
  await h.addUser(BOB, PW);
  await h.node.admin({ op: 'alias.add', source: TEAM, targets: [BOB] });
});
afterAll(() => h.node.destroy());

test('fast path: an emailed REQUEST lands in the INBOX, the schedule inbox and the calendar', async () => {
  const before = await inboxCount(ALICE);
  const ics = vevent('REQUEST', 'imip-fast-1', ORGANIZER, [[ALICE, 'NEEDS-ACTION']]);
  await sendItip(ORGANIZER, ALICE, 'REQUEST', ics);
  const copy = await eventually(async () => {
    const res = await get(ALICE, 'personal', 'imip-fast-1.ics');
    return res.status === 200 ? res : null;
  });
  expect(copy.text).toContain('UID:imip-fast-1');
  expect(copy.text).not.toContain('METHOD:');
  expect(copy.text).toMatch(/ATTENDEE;[^\r\n]*PARTSTAT=NEEDS-ACTION[^\r\n]*:mailto:alice@imip\.test/i);
  expect(await inboxCount(ALICE)).toBe(before + 1);
  // The iTIP message itself, METHOD included, in the schedule inbox (RFC 6638 §4.1).
  const listing = await dav('PROPFIND', `/dav/calendars/${ALICE}/inbox/`, ALICE, undefined, { depth: '1' });
  const name = /\/inbox\/([0-9a-f]+\.ics)</.exec(listing.text)?.[1];
  expect(name).toBeDefined();
  const inboxItem = await get(ALICE, 'inbox', name!);
  expect(inboxItem.text).toContain('METHOD:REQUEST');
  expect(inboxItem.text).toContain('UID:imip-fast-1');
});

test('a CANCEL by mail from the organizer cancels the copy; one from someone else does nothing', async () => {
  const uid = 'imip-cancel-1';
  await sendItip(ORGANIZER, ALICE, 'REQUEST', vevent('REQUEST', uid, ORGANIZER, [[ALICE, 'NEEDS-ACTION']]));
  await eventually(async () => (await get(ALICE, 'personal', `${uid}.ics`)).status === 200);
  const cancel = vevent('CANCEL', uid, ORGANIZER, [[ALICE, 'NEEDS-ACTION']], ['STATUS:CANCELLED']);
  // Forged: From is not the ORGANIZER. Delivered as mail, the calendar untouched.
  const before = await inboxCount(ALICE);
  await sendItip('mallory@remote.example', ALICE, 'CANCEL', cancel);
  await eventually(async () => (await inboxCount(ALICE)) === before + 1);
  expect((await get(ALICE, 'personal', `${uid}.ics`)).text).not.toContain('STATUS:CANCELLED');
  await sendItip(ORGANIZER, ALICE, 'CANCEL', cancel);
  await eventually(async () =>
    (await get(ALICE, 'personal', `${uid}.ics`)).text.includes('STATUS:CANCELLED'),
  );
  expect(await inboxCount(ALICE)).toBe(before + 2);
});

test('a REPLY by mail from a remote attendee updates the organizer event; a forged one does not', async () => {
  const uid = 'imip-reply-1';
  const event = vevent(null, uid, ALICE, [
    [ALICE, 'ACCEPTED'],
    [CAROL, 'NEEDS-ACTION'],
  ]);
  const put = await dav('PUT', `/dav/calendars/${ALICE}/personal/${uid}.ics`, ALICE, event, {
    'content-type': 'text/calendar',
  });
  expect(put.status).toBe(201);
  const reply = (partstat: string) =>
    vevent('REPLY', uid, ALICE, [[CAROL, partstat]]).replace('SUMMARY:Planning\r\n', '');
  // From someone else than the replying attendee: ignored (delivered as mail only).
  await sendItip('mallory@remote.example', ALICE, 'REPLY', reply('DECLINED'));
  await sendItip(CAROL, ALICE, 'REPLY', reply('ACCEPTED'));
  const updated = await eventually(async () => {
    const res = await get(ALICE, 'personal', `${uid}.ics`);
    return /PARTSTAT=ACCEPTED[^\r\n]*:mailto:carol@remote\.example/i.test(res.text.replace(/\r\n /g, ''))
      ? res
      : null;
  });
  expect(updated.text).not.toMatch(/DECLINED/);
});

test('slow path: a REQUEST to an alias reaches the target account calendar', async () => {
  const before = await inboxCount(BOB);
  const uid = 'imip-slow-1';
  await sendItip(ORGANIZER, TEAM, 'REQUEST', vevent('REQUEST', uid, ORGANIZER, [[BOB, 'NEEDS-ACTION']]));
  const copy = await eventually(async () => {
    const res = await get(BOB, 'personal', `${uid}.ics`);
    return res.status === 200 ? res : null;
  });
  expect(copy.text).toContain('SUMMARY:Planning');
  expect(await inboxCount(BOB)).toBe(before + 1);
  // calendar-query over the time range finds it.
  const query = await dav(
    'REPORT',
    `/dav/calendars/${BOB}/personal/`,
    BOB,
    `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <d:prop><d:getetag/></d:prop>
      <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
        <c:time-range start="20260110T000000Z" end="20260111T000000Z"/>
      </c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
    { depth: '1', 'content-type': 'application/xml' },
  );
  expect(query.status).toBe(207);
  expect(query.text).toContain(`${uid}.ics`);
});

test('ordinary mail, and an invitation that does not name the recipient, leave the calendar alone', async () => {
  const before = await inboxCount(BOB);
  await h.sendSmtp(ORGANIZER, BOB, 'hello', { text: 'no calendar here' });
  // bob is not an ATTENDEE (a forwarded invitation, a list): mail only, no calendar copy.
  await sendItip(
    ORGANIZER,
    BOB,
    'REQUEST',
    vevent('REQUEST', 'imip-other-1', ORGANIZER, [[CAROL, 'NEEDS-ACTION']]),
  );
  await eventually(async () => (await inboxCount(BOB)) === before + 2);
  expect((await get(BOB, 'personal', 'imip-other-1.ics')).status).toBe(404);
  expect((await get(ALICE, 'personal', 'imip-other-1.ics')).status).toBe(404);
});
