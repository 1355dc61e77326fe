/**
 * CalDAV scheduling across accounts and protocols, over real HTTP against an in-process node:
 * an invitation PUT by the organizer reaches a local attendee's schedule inbox and calendar (and a
 * remote one's mail queue), the attendee's answer comes back; a free-busy POST to the schedule
 * outbox (RFC 6638 §5); calendar-timezone and CALDAV:timezone for floating and all-day times
 * (RFC 4791 §5.2.2, §9.8); and the `dav` settings (max-resource-size, expansion cap).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually } from '../helpers/eventually';
import { SmtpSink } from '../helpers/smtp-sink';
import { WebHarness } from './web-harness';

let h: WebHarness;
let sink: SmtpSink; // remote.example's MX
const ALICE = 'alice@sched.test';
const BOB = 'bob@sched.test';
const EVE = 'eve@other-sched.test';
const CAROL = 'carol@remote.example';
const PW = 'correct horse battery staple 1';
const MAX_SIZE = 20_000;
const MAX_INSTANCES = 50;

async function dav(method: string, path: string, user: string, body?: string, headers = {}) {
  const res = await fetch(h.base + path, { method, headers: { ...h.basic(user, PW), ...headers }, body });
  return { status: res.status, text: await res.text(), etag: res.headers.get('etag') };
}
const ics = { 'content-type': 'text/calendar; charset=utf-8' };
const xml = { 'content-type': 'application/xml; charset=utf-8', depth: '1' };
const unfold = (text: string) => text.replace(/\r?\n[ \t]/g, '');

function calendar(lines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n');
}
const vevent = (uid: string, lines: string[]) =>
  calendar(['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', ...lines, 'END:VEVENT']);

/** The raw messages of the account's INBOX, as stored (header prefix + blob). */
async function inboxMessages(address: string): Promise<string[]> {
  const account = (await h.node.directory.getAccount(address))!;
  const inbox = (await h.node.mailboxes.getMailbox(account.id, 'INBOX'))!;
  const out: string[] = [];
  for (const m of await h.node.mailboxes.listMessages(inbox.id)) {
    const body = await h.node.storage.blobs.get(m.blobKey);
    out.push(body.toString('latin1'));
  }
  return out;
}

beforeAll(async () => {
  sink = await new SmtpSink().start();
  h = await WebHarness.start({
    'dav.maxResourceSize': MAX_SIZE,
    'dav.maxInstances': MAX_INSTANCES,
    'relay.resolverOverrides': { 'remote.example': `127.0.0.1:${sink.port}` },
    'relay.pollIntervalMs': 100,
  });
  for (const user of [ALICE, BOB, EVE]) await h.addUser(user, PW);
});
afterAll(async () => {
  await h?.node.destroy();
  await sink?.stop();
});

describe('implicit scheduling between a local organizer and a local attendee', () => {
  const uid = 'cross-1';
  const invitation = (bobPartstat: string, extra: string[] = []) =>
    vevent(uid, [
      'DTSTART:20260112T100000Z',
      'DTEND:20260112T110000Z',
      'SUMMARY:Review',
      `ORGANIZER:mailto:${ALICE}`,
      `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${ALICE}`,
      `ATTENDEE;PARTSTAT=${bobPartstat};RSVP=TRUE:mailto:${BOB}`,
      `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${CAROL}`,
      ...extra,
    ]);

  test('the invitation lands in the attendee schedule inbox and calendar; the remote one is mailed', async () => {
    const put = await dav(
      'PUT',
      `/dav/calendars/${ALICE}/personal/${uid}.ics`,
      ALICE,
      invitation('NEEDS-ACTION'),
      ics,
    );
    expect(put.status).toBe(201);
    const copy = await dav('GET', `/dav/calendars/${BOB}/personal/${uid}.ics`, BOB);
    expect(copy.status).toBe(200);
    expect(unfold(copy.text)).toMatch(/PARTSTAT=NEEDS-ACTION[^\r\n]*:mailto:bob@sched\.test/i);
    const inbox = await dav(
      'REPORT',
      `/dav/calendars/${BOB}/inbox/`,
      BOB,
      `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
        <d:prop><c:calendar-data/></d:prop>
        <c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>`,
      xml,
    );
    expect(inbox.status).toBe(207);
    expect(inbox.text).toContain('METHOD:REQUEST');
    expect(inbox.text).toContain(`UID:${uid}`);
    // The remote attendee gets an iMIP mail (RFC 6047) through the outbound path, at their MX.
    const mail = await eventually(async () => sink.messages.find((m) => m.recipients.includes(CAROL)));
    expect(mail.mailFrom).toBe(ALICE);
    const raw = mail.data.toString('latin1');
    expect(raw).toMatch(/Content-Type: text\/calendar; charset=UTF-8; method=REQUEST/);
    const part = /method=REQUEST\r\nContent-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(raw);
    const itip = Buffer.from(part![1].replace(/\r\n/g, ''), 'base64').toString('utf8');
    expect(itip).toContain('METHOD:REQUEST');
    expect(itip).toContain(`UID:${uid}`);
    // The local attendee is served by the server itself (RFC 6638 §4): nothing goes out for bob,
    // but a notice lands in his INBOX (phones on ActiveSync and IMAP clients show it), marked as
    // applied, so its delivery leaves his calendar copy as it is.
    expect(sink.messages.some((m) => m.recipients.includes(BOB))).toBe(false);
    const notice = await eventually(async () =>
      (await inboxMessages(BOB)).find((m) => m.includes(`UID:${uid}`) || m.includes('Invitation: Review')),
    );
    expect(notice).toMatch(/^X-Nimbus-Itip-Applied: yes\r\n/);
    expect(notice).toContain('Subject: Invitation: Review');
    expect(notice).toMatch(/method=REQUEST/);
    expect((await dav('GET', `/dav/calendars/${BOB}/personal/${uid}.ics`, BOB)).etag).toBe(copy.etag);
    // Another tenant sees nothing of it.
    expect((await dav('GET', `/dav/calendars/${BOB}/personal/${uid}.ics`, EVE)).status).toBe(404);
  });

  test("the attendee's answer updates the organizer's copy; the organizer's DELETE cancels", async () => {
    const mine = await dav('GET', `/dav/calendars/${BOB}/personal/${uid}.ics`, BOB);
    const accepted = mine.text.replace(
      /ATTENDEE;([^\r\n]*)PARTSTAT=NEEDS-ACTION([^\r\n]*):mailto:bob@sched\.test/i,
      'ATTENDEE;$1PARTSTAT=ACCEPTED$2:mailto:bob@sched.test',
    );
    const put = await dav('PUT', `/dav/calendars/${BOB}/personal/${uid}.ics`, BOB, accepted, {
      ...ics,
      'if-match': mine.etag!,
    });
    expect(put.status).toBe(204);
    const organizer = await dav('GET', `/dav/calendars/${ALICE}/personal/${uid}.ics`, ALICE);
    expect(unfold(organizer.text)).toMatch(
      /ATTENDEE;[^\r\n]*PARTSTAT=ACCEPTED[^\r\n]*:mailto:bob@sched\.test/i,
    );
    expect((await dav('DELETE', `/dav/calendars/${ALICE}/personal/${uid}.ics`, ALICE)).status).toBe(204);
    const cancelled = await dav('GET', `/dav/calendars/${BOB}/personal/${uid}.ics`, BOB);
    expect(cancelled.text).toContain('STATUS:CANCELLED');
  });
});

describe('free-busy through the schedule outbox (RFC 6638 §5)', () => {
  const outbox = `/dav/calendars/${ALICE}/outbox/`;
  const request = (organizer: string, attendees: string[]) =>
    calendar([
      'METHOD:REQUEST',
      'BEGIN:VFREEBUSY',
      'UID:fb-1',
      'DTSTAMP:20260101T000000Z',
      'DTSTART:20260120T000000Z',
      'DTEND:20260121T000000Z',
      `ORGANIZER:mailto:${organizer}`,
      ...attendees.map((a) => `ATTENDEE:mailto:${a}`),
      'END:VFREEBUSY',
    ]);

  beforeAll(async () => {
    const busy = vevent('fb-busy', ['DTSTART:20260120T140000Z', 'DTEND:20260120T153000Z', 'SUMMARY:Busy']);
    expect((await dav('PUT', `/dav/calendars/${BOB}/personal/fb-busy.ics`, BOB, busy, ics)).status).toBe(201);
  });

  test('a schedule-response with one response per attendee', async () => {
    const res = await dav('POST', outbox, ALICE, request(ALICE, [BOB, CAROL, EVE]), ics);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<cal:schedule-response');
    const responses = [...res.text.matchAll(/<cal:response>([\s\S]*?)<\/cal:response>/g)].map((m) => m[1]);
    expect(responses).toHaveLength(3);
    const [bob, carol, eve] = responses;
    expect(bob).toContain(`<cal:recipient><d:href>mailto:${BOB}</d:href></cal:recipient>`);
    expect(bob).toContain('<cal:request-status>2.0;Success</cal:request-status>');
    expect(bob).toContain('METHOD:REPLY');
    expect(bob).toContain('FREEBUSY;FBTYPE=BUSY:20260120T140000Z/20260120T153000Z');
    expect(unfold(bob)).toContain(`ATTENDEE:mailto:${BOB}`);
    // Remote, and another tenant hosted here: the same answer, nothing revealed.
    for (const other of [carol, eve]) {
      expect(other).toContain('<cal:request-status>5.3;');
      expect(other).not.toContain('calendar-data');
    }
  });

  test('bad requests get CalDAV preconditions, never a 500', async () => {
    const wrongOrganizer = await dav('POST', outbox, ALICE, request(BOB, [BOB]), ics);
    expect(wrongOrganizer.status).toBe(403);
    expect(wrongOrganizer.text).toContain('organizer-allowed');
    const garbage = await dav('POST', outbox, ALICE, 'BEGIN:VCALENDAR\r\nnot ical', ics);
    expect(garbage.status).toBe(403);
    expect(garbage.text).toContain('valid-scheduling-message');
    const json = await dav('POST', outbox, ALICE, '{}', { 'content-type': 'application/json' });
    expect(json.status).toBe(415);
    // Only the owner sends from an outbox; another tenant doesn't even see it.
    expect((await dav('POST', outbox, BOB, request(BOB, [ALICE]), ics)).status).toBeGreaterThanOrEqual(403);
    expect((await dav('POST', outbox, EVE, request(EVE, [ALICE]), ics)).status).toBe(404);
  });

  test('python3-caldav freebusy_request against the outbox', async () => {
    // Its find_objects_and_props reads DAV:response only, so the schedule-response it got back
    // is captured from the POST and printed as it came.
    const script = `
import caldav, datetime, sys
client = caldav.DAVClient(url=sys.argv[1], username=sys.argv[2], password=sys.argv[3])
principal = client.principal()
post, raw = client.post, []
def capture(url, body, headers={}):
    response = post(url, body, headers)
    raw.append((response.status, response.raw))
    return response
client.post = capture
utc = datetime.timezone.utc
principal.freebusy_request(datetime.datetime(2026, 1, 20, tzinfo=utc), datetime.datetime(2026, 1, 21, tzinfo=utc),
                           ["mailto:${BOB}"])
print(raw[0][0])
print(raw[0][1])
`;
    const { stdout } = await promisify(execFile)('/usr/bin/python3', [
      '-c',
      script,
      `${h.base}/dav/`,
      ALICE,
      PW,
    ]);
    expect(stdout.split('\n')[0]).toBe('200');
    expect(stdout).toContain('schedule-response');
    expect(stdout).toContain('2.0;Success');
    expect(stdout).toContain('FREEBUSY;FBTYPE=BUSY:20260120T140000Z/20260120T153000Z');
  });
});

const VTIMEZONE = {
  berlin: [
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
  ],
  newYork: [
    'BEGIN:VTIMEZONE',
    'TZID:America/New_York',
    'BEGIN:STANDARD',
    'DTSTART:19701101T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU',
    'TZOFFSETFROM:-0400',
    'TZOFFSETTO:-0500',
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    'DTSTART:19700308T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU',
    'TZOFFSETFROM:-0500',
    'TZOFFSETTO:-0400',
    'END:DAYLIGHT',
    'END:VTIMEZONE',
  ],
};
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

describe('calendar-timezone and CALDAV:timezone for floating and all-day times', () => {
  const tz = `/dav/calendars/${ALICE}/tz/`;
  const query = (start: string, end: string, zone?: string[], data = '') =>
    dav(
      'REPORT',
      tz,
      ALICE,
      `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
        <d:prop><d:getetag/>${data}</d:prop>
        <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
          <c:time-range start="${start}" end="${end}"/>
        </c:comp-filter></c:comp-filter></c:filter>
        ${zone ? `<c:timezone>${escape(calendar(zone))}</c:timezone>` : ''}
      </c:calendar-query>`,
      xml,
    );
  const names = (text: string) => [...text.matchAll(/\/tz\/([\w-]+)\.ics/g)].map((m) => m[1]).sort();

  beforeAll(async () => {
    const made = await dav(
      'MKCALENDAR',
      tz,
      ALICE,
      `<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>
        <c:calendar-timezone>${escape(calendar(VTIMEZONE.berlin))}</c:calendar-timezone>
      </d:prop></d:set></c:mkcalendar>`,
      { 'content-type': 'application/xml' },
    );
    expect(made.status).toBe(201);
    const objects: Record<string, string[]> = {
      floating: ['DTSTART:20260105T100000', 'DTEND:20260105T110000', 'SUMMARY:Floating'],
      allday: ['DTSTART;VALUE=DATE:20260107', 'DTEND;VALUE=DATE:20260108', 'SUMMARY:All day'],
      utc: ['DTSTART:20260105T120000Z', 'DTEND:20260105T130000Z', 'SUMMARY:UTC'],
    };
    for (const [name, lines] of Object.entries(objects))
      expect((await dav('PUT', `${tz}${name}.ics`, ALICE, vevent(`tz-${name}`, lines), ics)).status).toBe(
        201,
      );
  });

  test('floating and all-day values are read in the calendar-timezone', async () => {
    // 10:00 floating in Berlin (CET) is 09:00Z; read in UTC it would be 10:00Z.
    expect(names((await query('20260105T090000Z', '20260105T093000Z')).text)).toEqual(['floating']);
    expect(names((await query('20260105T103000Z', '20260105T104500Z')).text)).toEqual([]);
    // 7 January in Berlin starts at 6 January 23:00Z.
    expect(names((await query('20260106T230000Z', '20260106T233000Z')).text)).toEqual(['allday']);
    // UTC values are what they are.
    expect(names((await query('20260105T120000Z', '20260105T123000Z')).text)).toEqual(['utc']);
  });

  test("the query's CALDAV:timezone overrides the calendar's", async () => {
    // 10:00 floating in New York (EST) is 15:00Z.
    expect(names((await query('20260105T150000Z', '20260105T153000Z', VTIMEZONE.newYork)).text)).toEqual([
      'floating',
    ]);
    expect(names((await query('20260105T090000Z', '20260105T093000Z', VTIMEZONE.newYork)).text)).toEqual([]);
    const bad = await query('20260105T090000Z', '20260105T093000Z', ['X-NOT:A-ZONE']);
    expect(bad.status).toBe(403);
    expect(bad.text).toContain('valid-calendar-data');
  });

  test('expand and free-busy-query use the same zone', async () => {
    const expanded = await query(
      '20260105T000000Z',
      '20260106T000000Z',
      undefined,
      '<c:calendar-data><c:expand start="20260105T000000Z" end="20260106T000000Z"/></c:calendar-data>',
    );
    expect(expanded.text).toContain('DTSTART:20260105T090000Z');
    const withNy = await query(
      '20260105T000000Z',
      '20260106T000000Z',
      VTIMEZONE.newYork,
      '<c:calendar-data><c:expand start="20260105T000000Z" end="20260106T000000Z"/></c:calendar-data>',
    );
    expect(withNy.text).toContain('DTSTART:20260105T150000Z');
    const fb = await dav(
      'REPORT',
      tz,
      ALICE,
      `<?xml version="1.0"?><c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav">
        <c:time-range start="20260105T000000Z" end="20260108T000000Z"/></c:free-busy-query>`,
      xml,
    );
    expect(fb.status).toBe(200);
    expect(fb.text).toContain('FREEBUSY;FBTYPE=BUSY:20260105T090000Z/20260105T100000Z');
    expect(fb.text).toContain('20260106T230000Z/20260107T230000Z');
  });
});

describe('the dav settings', () => {
  test('max-resource-size reports the configured value and PUT enforces it', async () => {
    const res = await dav(
      'PROPFIND',
      `/dav/calendars/${ALICE}/personal/`,
      ALICE,
      `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:max-resource-size/></d:prop></d:propfind>`,
      { ...xml, depth: '0' },
    );
    expect(res.text).toContain(`max-resource-size>${MAX_SIZE}<`);
    const big = vevent('too-big', ['DTSTART:20260105T100000Z', `DESCRIPTION:${'x'.repeat(MAX_SIZE)}`]);
    const put = await dav('PUT', `/dav/calendars/${ALICE}/personal/too-big.ics`, ALICE, big, ics);
    expect(put.status).toBe(403);
    expect(put.text).toContain('max-resource-size');
  });

  test('the expansion cap bounds recurrence expansion', async () => {
    const daily = vevent('daily', [
      'DTSTART:20260201T080000Z',
      'DURATION:PT1H',
      'RRULE:FREQ=DAILY;COUNT=100',
    ]);
    expect((await dav('PUT', `/dav/calendars/${ALICE}/personal/daily.ics`, ALICE, daily, ics)).status).toBe(
      201,
    );
    const q = (start: string, end: string) =>
      dav(
        'REPORT',
        `/dav/calendars/${ALICE}/personal/`,
        ALICE,
        `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
          <d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
          <c:time-range start="${start}" end="${end}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
        xml,
      );
    // Occurrence 10 is within the cap of 50, occurrence 80 past it.
    expect((await q('20260210T000000Z', '20260211T000000Z')).text).toContain('daily.ics');
    expect((await q('20260421T000000Z', '20260422T000000Z')).text).not.toContain('daily.ics');
  });
});
