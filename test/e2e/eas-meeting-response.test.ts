/**
 * ActiveSync MeetingResponse over real HTTP (issue #15): a local organizer invites over CalDAV
 * (the server's implicit scheduling puts the invitation in the attendee's calendar); the
 * attendee's phone accepts it, the new PARTSTAT is visible over CalDAV in the attendee's copy and
 * the organizer's copy got the REPLY. An iMIP invitation mail from a remote organizer is answered
 * from the Inbox: the event lands in the calendar and the REPLY is mailed to the organizer's SMTP
 * peer. One occurrence of a series; 14.1 (the device mails its own answer); isolation.
 */
import { el, textAt, childrenNamed, type EasElement } from '../../core/eas/wbxml/tree';
import { PimStore } from '../../core/pim/pim-store';
import { EasClient, IPHONE, type EasHttpResponse } from '../helpers/eas-client';
import { eventually } from '../helpers/eventually';
import { SmtpSink } from '../helpers/smtp-sink';
import {
  alignLacking,
  comparable,
  LIBWBXML,
  LIBWBXML_MISSING,
  parseXmlTree,
  wbxml2xml,
} from '../unit/eas/libwbxml';
import { WebHarness } from './web-harness';

let h: WebHarness;
let sink: SmtpSink;
const clients: EasClient[] = [];
const ORGANIZER = 'olga@meet.example';
const BOB = 'bob@meet.example';
const CAROL = 'carol@meet.example';
const PASSWORD = 'correct horse battery 4';

async function phone(user: string, version = '16.1'): Promise<EasClient> {
  const c = new EasClient(h.base, user, PASSWORD, { ...IPHONE, deviceId: `Meet${clients.length}`, version });
  clients.push(c);
  await c.provision();
  return c;
}

async function dav(
  method: string,
  path: string,
  user: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(h.base + path, {
    method,
    headers: { ...h.basic(user, PASSWORD), ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

function event(uid: string, attendees: string[], extra: string[] = []): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20261201T090000Z',
    'DTSTART:20261210T100000Z',
    'DTEND:20261210T110000Z',
    `SUMMARY:Planning ${uid}`,
    `ORGANIZER:mailto:${ORGANIZER}`,
    `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${ORGANIZER}`,
    ...attendees.map((a) => `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a}`),
    ...extra,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

/** The organizer's invitation over CalDAV: implicit scheduling delivers it to local attendees. */
async function invite(uid: string, attendees: string[], extra: string[] = []): Promise<void> {
  const res = await dav(
    'PUT',
    `/dav/calendars/${ORGANIZER}/personal/${uid}.ics`,
    ORGANIZER,
    event(uid, attendees, extra),
    {
      'content-type': 'text/calendar',
    },
  );
  expect([201, 204]).toContain(res.status);
}

/** The attendee's copy of an event: its calendar item ServerId and the iCalendar text. */
async function copyOf(user: string, uid: string) {
  const account = await h.node.directory.getAccount(user);
  const pim = new PimStore(h.node.storage.db, null);
  for (const c of await pim.collections(account!.id, 'calendars')) {
    if (c.kind !== 'calendar') continue;
    const object = (await pim.objects.list(c.id)).find((o) => o.uid === uid);
    if (object)
      return {
        collectionId: `c${c.id}`,
        serverId: `c${c.id}:${object.id}`,
        name: object.name,
        collection: c.name,
      };
  }
  return null;
}

/** An iMIP REQUEST mail from a remote organizer in `user`'s INBOX: its folder and ServerId. */
async function remoteInvitation(uid: string, user: string): Promise<{ inboxId: number; requestId: string }> {
  const ics = event(uid, [user])
    .replace(`ORGANIZER:mailto:${ORGANIZER}`, 'ORGANIZER:mailto:rita@remote.test')
    .replace(
      `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${ORGANIZER}`,
      'ATTENDEE;PARTSTAT=ACCEPTED:mailto:rita@remote.test',
    )
    .replace('VERSION:2.0', 'VERSION:2.0\r\nMETHOD:REQUEST');
  await h.sendSmtp('rita@remote.test', user, `Invitation: Planning ${uid}`, {
    text: 'You are invited',
    icalEvent: { method: 'REQUEST', content: ics },
  });
  const account = await h.node.directory.getAccount(user);
  const inbox = await h.node.mailboxes.getMailbox(account!.id, 'INBOX');
  const mailboxes = h.node.mailboxes;
  const message = await eventually(async () => {
    for (const m of await mailboxes.listMessages(inbox!.id))
      if ((await mailboxes.readMessage(m)).toString().includes(`Planning ${uid}`)) return m;
    return null;
  });
  return { inboxId: inbox!.id, requestId: `m${inbox!.id}:${message.uid}` };
}

const mr = (name: string, ...content: (EasElement | string | false | undefined)[]) =>
  el('MeetingResponse', name, ...content);

function respond(
  c: EasClient,
  requests: {
    response: number;
    collectionId?: string;
    requestId: string;
    instanceId?: string;
    send?: boolean;
  }[],
): Promise<EasHttpResponse> {
  return c.post(
    'MeetingResponse',
    mr(
      'MeetingResponse',
      ...requests.map((r) =>
        mr(
          'Request',
          mr('UserResponse', String(r.response)),
          r.collectionId !== undefined && mr('CollectionId', r.collectionId),
          mr('RequestId', r.requestId),
          r.instanceId !== undefined && mr('InstanceId', r.instanceId),
          r.send && mr('SendResponse'),
        ),
      ),
    ),
  );
}

const results = (res: EasHttpResponse) =>
  childrenNamed(res.tree ?? undefined, 'Result').map((r) => ({
    requestId: textAt(r, 'RequestId'),
    status: textAt(r, 'Status'),
    calendarId: textAt(r, 'CalendarId'),
  }));

/** The PARTSTAT of `attendee` in a CalDAV GET of the event. */
async function partstatOver(
  owner: string,
  collection: string,
  name: string,
  attendee: string,
): Promise<string | null> {
  const res = await dav('GET', `/dav/calendars/${owner}/${collection}/${name}`, owner);
  if (res.status !== 200) return null;
  const unfolded = res.text.replace(/\r\n[ \t]/g, '');
  const line = unfolded
    .split('\r\n')
    .find((l) => l.startsWith('ATTENDEE') && l.toLowerCase().endsWith(`mailto:${attendee}`));
  return /PARTSTAT=([A-Z-]+)/.exec(line ?? '')?.[1] ?? null;
}

beforeAll(async () => {
  sink = await new SmtpSink().start();
  h = await WebHarness.start({
    'authThrottle.maxFailures': 50,
    'relay.resolverOverrides': { 'remote.test': `127.0.0.1:${sink.port}` },
    'relay.pollIntervalMs': 100,
  });
  for (const user of [ORGANIZER, BOB, CAROL]) await h.addUser(user, PASSWORD);
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await sink?.stop();
});

it("accepts a local organizer's invitation: visible over CalDAV, the organizer's copy got the REPLY", async () => {
  await invite('kickoff', [BOB]);
  const copy = await eventually(() => copyOf(BOB, 'kickoff'));
  expect(await partstatOver(BOB, copy.collection, copy.name, BOB)).toBe('NEEDS-ACTION');

  const bob = await phone(BOB);
  const res = await respond(bob, [
    { response: 1, collectionId: copy.collectionId, requestId: copy.serverId, send: true },
  ]);
  expect(res.status).toBe(200);
  expect(results(res)).toEqual([{ requestId: copy.serverId, status: '1', calendarId: copy.serverId }]);

  expect(await partstatOver(BOB, copy.collection, copy.name, BOB)).toBe('ACCEPTED');
  expect(await partstatOver(ORGANIZER, 'personal', 'kickoff.ics', BOB)).toBe('ACCEPTED');
});

it('answers one occurrence of a series only (InstanceId)', async () => {
  await invite('weekly', [BOB], ['RRULE:FREQ=WEEKLY;COUNT=4']);
  const copy = await eventually(() => copyOf(BOB, 'weekly'));
  const bob = await phone(BOB);
  const wrong = await respond(bob, [
    { response: 2, requestId: copy.serverId, instanceId: '2026-12-11T10:00:00.000Z' },
  ]);
  expect(results(wrong)[0].status).toBe('2');
  const res = await respond(bob, [
    { response: 2, requestId: copy.serverId, instanceId: '2026-12-17T10:00:00.000Z' },
  ]);
  expect(results(res)[0].status).toBe('1');
  const text = (await dav('GET', `/dav/calendars/${BOB}/${copy.collection}/${copy.name}`, BOB)).text.replace(
    /\r\n[ \t]/g,
    '',
  );
  expect(text).toMatch(/RECURRENCE-ID(;[^:]*)?:20261217T100000Z/);
  // The series stays unanswered; the one occurrence is tentative.
  const bobLines = text.split('\r\n').filter((l) => l.startsWith('ATTENDEE') && l.endsWith(`mailto:${BOB}`));
  expect(bobLines.map((l) => /PARTSTAT=([A-Z-]+)/.exec(l)?.[1]).sort()).toEqual([
    'NEEDS-ACTION',
    'TENTATIVE',
  ]);
});

it('answers an iMIP invitation mail from a remote organizer: the event is in the calendar, the REPLY mailed', async () => {
  const { inboxId, requestId } = await remoteInvitation('remote-1', BOB);

  const bob = await phone(BOB);
  const res = await respond(bob, [{ response: 2, collectionId: `m${inboxId}`, requestId, send: true }]);
  const [result] = results(res);
  expect([result.requestId, result.status]).toEqual([requestId, '1']);
  const copy = await copyOf(BOB, 'remote-1');
  expect(result.calendarId).toBe(copy?.serverId);
  expect(await partstatOver(BOB, copy!.collection, copy!.name, BOB)).toBe('TENTATIVE');

  const mailed = await eventually(async () => sink.for('rita@remote.test')[0]);
  expect(mailed.mailFrom).toBe(BOB);
  const body = mailed.data.toString();
  expect(body).toMatch(/method=REPLY/i);
  const itip = Buffer.from(
    /method=REPLY\r\nContent-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(body)![1],
    'base64',
  ).toString();
  expect(itip).toContain('METHOD:REPLY');
  expect(itip.replace(/\r\n[ \t]/g, '')).toMatch(
    new RegExp(`ATTENDEE;PARTSTAT=TENTATIVE[^\\r\\n]*:mailto:${BOB}`),
  );
});

it('before 16.0 the device mails its own answer: a local organizer still sees it, nothing is mailed', async () => {
  await invite('standup', [CAROL]);
  const copy = await eventually(() => copyOf(CAROL, 'standup'));
  const carol = await phone(CAROL, '14.1');
  const before = sink.messages.length;
  const res = await respond(carol, [{ response: 3, requestId: copy.serverId }]);
  // Declined: no CalendarId.
  expect(results(res)).toEqual([{ requestId: copy.serverId, status: '1', calendarId: undefined }]);
  expect(await partstatOver(CAROL, copy.collection, copy.name, CAROL)).toBe('DECLINED');
  expect(await partstatOver(ORGANIZER, 'personal', 'standup.ics', CAROL)).toBe('DECLINED');
  // A remote organizer's invitation: answered in the calendar, and no REPLY mailed by the server.
  const remote = await remoteInvitation('remote-2', CAROL);
  expect(results(await respond(carol, [{ response: 1, requestId: remote.requestId }]))[0].status).toBe('1');
  const remoteCopy = (await copyOf(CAROL, 'remote-2'))!;
  expect(await partstatOver(CAROL, remoteCopy.collection, remoteCopy.name, CAROL)).toBe('ACCEPTED');
  // A marker sent after it: once it has reached the peer, a REPLY would have too.
  await carol.post(
    'SendMail',
    el(
      'ComposeMail',
      'SendMail',
      el('ComposeMail', 'ClientId', 'marker-1'),
      el('ComposeMail', 'Mime', Buffer.from('To: marker@remote.test\r\nSubject: marker\r\n\r\nx\r\n')),
    ),
  );
  await eventually(async () => sink.for('marker@remote.test')[0]);
  expect(sink.messages.slice(before).map((m) => m.recipients)).toEqual([['marker@remote.test']]);
});

it("another account's item, the organizer's own meeting and bad requests: Status 2, never a 500", async () => {
  const bobsCopy = (await copyOf(BOB, 'kickoff'))!;
  const carol = await phone(CAROL);
  const stolen = await respond(carol, [
    { response: 1, collectionId: bobsCopy.collectionId, requestId: bobsCopy.serverId },
    { response: 1, requestId: bobsCopy.serverId },
    { response: 9, requestId: bobsCopy.serverId },
    { response: 1, requestId: 'm1:1' },
  ]);
  expect(results(stolen).map((r) => r.status)).toEqual(['2', '2', '2', '2']);
  expect(await partstatOver(BOB, bobsCopy.collection, bobsCopy.name, BOB)).toBe('ACCEPTED');

  // Mail that is no invitation, or whose iCalendar cannot be read: Status 2 as well.
  await h.sendSmtp('rita@remote.test', CAROL, 'Broken invitation', {
    text: 'x',
    icalEvent: { method: 'REQUEST', content: 'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID;;x' },
  });
  await h.sendSmtp('rita@remote.test', CAROL, 'Just mail', { text: 'no calendar here' });
  const carolAccount = await h.node.directory.getAccount(CAROL);
  const carolInbox = (await h.node.mailboxes.getMailbox(carolAccount!.id, 'INBOX'))!;
  const mails = await eventually(async () => {
    const list = await h.node.mailboxes.listMessages(carolInbox.id);
    const texts = await Promise.all(
      list.map(async (m) => (await h.node.mailboxes.readMessage(m)).toString()),
    );
    const pick = (subject: string) => list[texts.findIndex((t) => t.includes(`Subject: ${subject}`))];
    return pick('Broken invitation') && pick('Just mail')
      ? [pick('Broken invitation'), pick('Just mail')]
      : null;
  });
  const notMeetings = await respond(
    carol,
    mails.map((m) => ({
      response: 1,
      collectionId: `m${carolInbox.id}`,
      requestId: `m${carolInbox.id}:${m.uid}`,
    })),
  );
  expect(results(notMeetings).map((r) => r.status)).toEqual(['2', '2']);

  const organizer = await phone(ORGANIZER);
  const own = (await copyOf(ORGANIZER, 'kickoff'))!;
  expect(results(await respond(organizer, [{ response: 1, requestId: own.serverId }]))[0].status).toBe('2');

  const empty = await organizer.post('MeetingResponse', mr('MeetingResponse'));
  expect([empty.status, textAt(empty.tree ?? undefined, 'Status')]).toEqual([200, '103']);
});

(LIBWBXML ? it : it.skip)('every response body decodes the same with wbxml2xml', () => {
  const bodies = clients.flatMap((c) => c.seen);
  expect(bodies.length).toBeGreaterThan(10);
  for (const { body, tree } of bodies)
    expect(comparable(alignLacking(parseXmlTree(wbxml2xml(body)), tree))).toEqual(comparable(tree));
});
if (!LIBWBXML) console.warn(LIBWBXML_MISSING);
