/**
 * Implicit scheduling and iMIP over an in-memory fake of the PIM store (scheduling-fake-store.ts):
 * the SQL PimStore was not committed when these were written; the fake keeps its write rules.
 */
import {
  applyImipMessage,
  buildImipMail,
  freeBusyResponse,
  ImipReceiver,
  isItipApplied,
  markItipApplied,
  itipFromMail,
  onCalendarObjectChanged,
  type SchedulingDeps,
} from '../../../core/pim/scheduling';
import { FakeSchedulingStore } from './scheduling-fake-store';

const ALICE = { id: 1, address: 'alice@example.org' };
const BOB = { id: 2, address: 'bob@other.example' }; // another domain hosted here
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');
const crlf = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .join('\r\n') + '\r\n';

function meeting(attendees: string[], extra: string[] = [], partstats: Record<string, string> = {}): string {
  return crlf(`
    BEGIN:VCALENDAR
    VERSION:2.0
    PRODID:-//Test//EN
    BEGIN:VEVENT
    UID:meeting-1@example.org
    DTSTAMP:20260301T090000Z
    DTSTART:20260310T100000Z
    DTEND:20260310T110000Z
    SUMMARY:Planning
    ORGANIZER;CN=Alice:mailto:alice@example.org
    ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.org
    ${attendees.map((a) => `ATTENDEE;PARTSTAT=${partstats[a] ?? 'NEEDS-ACTION'};RSVP=TRUE:mailto:${a}`).join('\n')}
    ${extra.join('\n')}
    END:VEVENT
    END:VCALENDAR`).replace(/\r\n\r\n/g, '\r\n');
}

function setup() {
  const store = new FakeSchedulingStore();
  const mails: { data: Buffer; mailFrom: string; recipients: { address: string }[] }[] = [];
  const accounts = [ALICE, BOB];
  const deps: SchedulingDeps = {
    store,
    localAccount: async (address) => accounts.find((a) => a.address === address.toLowerCase()) ?? null,
    submit: async (input) => {
      mails.push(input);
      return { queueId: 'q1' };
    },
    now: () => new Date('2026-03-01T12:00:00Z'),
  };
  return { store, mails, deps };
}

async function organizerPuts(
  deps: SchedulingDeps,
  store: FakeSchedulingStore,
  before: string | null,
  after: string | null,
) {
  await store.ensureDefaults(ALICE.id);
  return onCalendarObjectChanged(deps, { account: ALICE, collectionId: 1, before, after });
}

describe('implicit scheduling (RFC 6638)', () => {
  test('an organizer PUT invites a local attendee (inbox + calendar, NEEDS-ACTION) and mails a remote one', async () => {
    const { store, mails, deps } = setup();
    const result = await organizerPuts(
      deps,
      store,
      null,
      meeting(['bob@other.example', 'carol@remote.example']),
    );
    expect(result).toMatchObject({
      method: 'REQUEST',
      local: ['bob@other.example'],
      remote: ['carol@remote.example'],
      failed: [],
    });

    const inbox = await store.objectsIn(BOB.id, 'inbox');
    expect(inbox).toHaveLength(1);
    expect(unfold(inbox[0].data)).toMatch(/METHOD:REQUEST/);
    const calendar = await store.objectsIn(BOB.id, 'personal');
    expect(calendar).toHaveLength(1);
    expect(calendar[0]).toMatchObject({ uid: 'meeting-1@example.org', component: 'VEVENT' });
    expect(calendar[0].firstStart?.toISOString()).toBe('2026-03-10T10:00:00.000Z');
    expect(unfold(calendar[0].data)).not.toMatch(/METHOD/);
    expect(unfold(calendar[0].data)).toMatch(/PARTSTAT=NEEDS-ACTION[^\r]*:mailto:bob@other.example/);

    // The local attendee's INBOX notice (marked as applied), then the remote attendee's mail.
    const notices = mails.filter((m) => isItipApplied(m.data));
    expect(notices.map((m) => m.recipients)).toEqual([[{ address: 'bob@other.example' }]]);
    mails.splice(0, mails.length, ...mails.filter((m) => !isItipApplied(m.data)));
    expect(mails).toHaveLength(1);
    expect(mails[0].mailFrom).toBe('alice@example.org');
    expect(mails[0].recipients).toEqual([{ address: 'carol@remote.example' }]);
    const text = mails[0].data.toString('latin1');
    expect(text).toMatch(/Content-Type: multipart\/alternative/);
    expect(text).toMatch(/Content-Type: text\/plain; charset=UTF-8/);
    expect(text).toMatch(/Content-Type: text\/calendar; charset=UTF-8; method=REQUEST/);
    expect(text).toMatch(/Subject: Invitation: Planning/);
    const itip = itipFromMail(mails[0].data);
    expect(itip?.from).toBe('alice@example.org');
    expect(itip?.itip).toMatch(/METHOD:REQUEST/);
    expect(unfold(itip!.itip)).toMatch(/ATTENDEE[^\r]*carol@remote.example/);
  });

  test('no REQUEST again when only DTSTAMP changed; only a new attendee is invited when one is added', async () => {
    const { store, mails, deps } = setup();
    const first = meeting(['carol@remote.example']);
    await organizerPuts(deps, store, null, first);
    const restamped = first.replace('DTSTAMP:20260301T090000Z', 'DTSTAMP:20260302T090000Z');
    expect((await organizerPuts(deps, store, first, restamped)).method).toBeNull();
    const added = await organizerPuts(
      deps,
      store,
      restamped,
      meeting(['carol@remote.example', 'dave@remote.example']),
    );
    expect(added.remote).toEqual(['dave@remote.example']);
    expect(mails).toHaveLength(2);
  });

  test('a time change re-invites everyone and resets the local PARTSTAT; a removed attendee gets CANCEL', async () => {
    const { store, mails, deps } = setup();
    const v1 = meeting(['bob@other.example', 'carol@remote.example']);
    await organizerPuts(deps, store, null, v1);
    const moved = meeting(['bob@other.example'], []).replace(
      'DTSTART:20260310T100000Z',
      'DTSTART:20260310T090000Z',
    );
    const result = await organizerPuts(deps, store, v1, moved);
    expect(result.local).toEqual(['bob@other.example']);
    const cancel = mails.find((m) => m.data.toString('latin1').includes('method=CANCEL'));
    expect(cancel?.recipients).toEqual([{ address: 'carol@remote.example' }]);
    expect(itipFromMail(cancel!.data)?.itip).toMatch(/STATUS:CANCELLED/);
    const bobs = await store.objectsIn(BOB.id, 'personal');
    expect(bobs).toHaveLength(1);
    expect(unfold(bobs[0].data)).toMatch(/DTSTART:20260310T090000Z/);
  });

  test('DELETE by the organizer cancels: the local copy is marked CANCELLED', async () => {
    const { store, deps } = setup();
    const v1 = meeting(['bob@other.example']);
    await organizerPuts(deps, store, null, v1);
    const result = await organizerPuts(deps, store, v1, null);
    expect(result).toMatchObject({ method: 'CANCEL', local: ['bob@other.example'] });
    expect(unfold((await store.objectsIn(BOB.id, 'personal'))[0].data)).toMatch(/STATUS:CANCELLED/);
  });

  test("an attendee's PARTSTAT change sends a REPLY that updates the organizer's event", async () => {
    const { store, deps } = setup();
    const v1 = meeting(['bob@other.example']);
    // The organizer's own copy, as their PUT stored it.
    await store.ensureDefaults(ALICE.id);
    const alicesCalendar = (await store.collections(ALICE.id)).find((c) => c.name === 'personal')!;
    await store.objects.put(alicesCalendar, {
      name: 'meeting.ics',
      data: v1,
      contentType: 'text/calendar',
      uid: 'meeting-1@example.org',
    });
    await organizerPuts(deps, store, null, v1);
    const bobsCopy = (await store.objectsIn(BOB.id, 'personal'))[0].data;
    const accepted = bobsCopy.replace(
      /PARTSTAT=NEEDS-ACTION(;RSVP=TRUE)?:mailto:bob@other.example/,
      'PARTSTAT=ACCEPTED$1:mailto:bob@other.example',
    );
    const result = await onCalendarObjectChanged(deps, {
      account: BOB,
      collectionId: 0,
      before: bobsCopy,
      after: accepted,
    });
    expect(result).toMatchObject({ method: 'REPLY', local: ['alice@example.org'] });
    const organizers = await store.objectsIn(ALICE.id, 'personal');
    expect(unfold(organizers[0].data)).toMatch(/PARTSTAT=ACCEPTED[^\r]*:mailto:bob@other.example/);
    expect(unfold((await store.objectsIn(ALICE.id, 'inbox'))[0].data)).toMatch(/METHOD:REPLY/);
  });

  test('an attendee of a remote organizer declines by DELETE: REPLY by iMIP', async () => {
    const { store, mails, deps } = setup();
    await store.ensureDefaults(BOB.id);
    const invite = meeting(['bob@other.example']).replace(/alice@example.org/g, 'erin@remote.example');
    const result = await onCalendarObjectChanged(deps, {
      account: BOB,
      collectionId: 0,
      before: invite,
      after: null,
    });
    expect(result).toMatchObject({ method: 'REPLY', remote: ['erin@remote.example'] });
    const itip = itipFromMail(mails[0].data)!;
    expect(itip.itip).toMatch(/METHOD:REPLY/);
    expect(unfold(itip.itip)).toMatch(/PARTSTAT=DECLINED[^\r]*:mailto:bob@other.example/);
    expect(itip.itip.match(/^ATTENDEE/gm)).toHaveLength(1);
    expect(mails[0].data.toString('latin1')).toMatch(/Subject: Declined: Planning/);
  });

  test('the DAV hook form: web context (directory, acceptor) and stored objects before/after', async () => {
    const { store, mails } = setup();
    await store.ensureDefaults(ALICE.id);
    const directory = {
      getAccount: async (address: string) =>
        address === BOB.address
          ? { ...BOB, domainId: 1, quotaBytes: null, usedBytes: 0, disabled: false, createdAt: new Date() }
          : null,
    };
    const acceptor = {
      accept: async (input: { data: Buffer }) => (mails.push(input as never), { queueId: 'q' }),
    };
    const result = await onCalendarObjectChanged(
      { store, directory, acceptor },
      {
        account: ALICE,
        collection: { id: 1 },
        before: null,
        after: { data: meeting(['bob@other.example', 'carol@remote.example']) },
      },
    );
    expect(result).toMatchObject({
      method: 'REQUEST',
      local: ['bob@other.example'],
      remote: ['carol@remote.example'],
    });
    // bob's notice (already applied) and carol's mail.
    expect(mails.map((m) => [isItipApplied(m.data), m.recipients])).toEqual([
      [true, [{ address: 'bob@other.example' }]],
      [false, [{ address: 'carol@remote.example' }]],
    ]);
  });

  test('SCHEDULE-AGENT=CLIENT attendees are left to the client', async () => {
    const { store, mails, deps } = setup();
    const v1 = meeting([]).replace(
      'END:VEVENT',
      'ATTENDEE;SCHEDULE-AGENT=CLIENT:mailto:carol@remote.example\r\nEND:VEVENT',
    );
    expect((await organizerPuts(deps, store, null, v1)).method).toBeNull();
    expect(mails).toHaveLength(0);
  });
});

describe('applyImipMessage', () => {
  async function organizerWithEvent() {
    const s = setup();
    await s.store.ensureDefaults(ALICE.id);
    const calendar = (await s.store.collections(ALICE.id)).find((c) => c.name === 'personal')!;
    const event = meeting(['carol@remote.example']);
    await s.store.objects.put(calendar, {
      name: 'm.ics',
      data: event,
      contentType: 'text/calendar',
      uid: 'meeting-1@example.org',
    });
    return s;
  }
  const reply = (from: string, partstat: string) => {
    const itip = meeting(['carol@remote.example'], [], { 'carol@remote.example': partstat })
      .replace('BEGIN:VEVENT', 'BEGIN:VEVENT')
      .replace('VERSION:2.0', 'VERSION:2.0\r\nMETHOD:REPLY')
      .replace('ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.org\r\n', '');
    return buildImipMail({
      method: 'REPLY',
      from,
      to: ['alice@example.org'],
      summary: 'Planning',
      itip,
      now: new Date(),
    });
  };

  test("a remote attendee's REPLY by mail updates the organizer's event", async () => {
    const { store, deps } = await organizerWithEvent();
    expect(await applyImipMessage(deps, ALICE, reply('carol@remote.example', 'TENTATIVE'))).toEqual({
      method: 'REPLY',
      outcome: 'applied',
    });
    expect(unfold((await store.objectsIn(ALICE.id, 'personal'))[0].data)).toMatch(
      /PARTSTAT=TENTATIVE[^\r]*:mailto:carol@remote.example/,
    );
  });

  test('a REPLY whose From is not the attendee changes nothing', async () => {
    const { store, deps } = await organizerWithEvent();
    expect((await applyImipMessage(deps, ALICE, reply('mallory@evil.example', 'DECLINED'))).outcome).toBe(
      'forged',
    );
    expect(unfold((await store.objectsIn(ALICE.id, 'personal'))[0].data)).toMatch(
      /PARTSTAT=NEEDS-ACTION[^\r]*:mailto:carol@remote.example/,
    );
  });

  test('the delivery hook skips mail without a text/calendar part and applies one with it', async () => {
    const { store } = await organizerWithEvent();
    const receiver = new ImipReceiver(() => store);
    const plain = Buffer.from('From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n');
    expect(await receiver.afterDelivery({ account: ALICE, message: plain })).toBeNull();
    const outcome = await receiver.afterDelivery({
      account: ALICE,
      message: reply('carol@remote.example', 'ACCEPTED'),
    });
    expect(outcome).toEqual({ method: 'REPLY', outcome: 'applied' });
    // The INBOX notice of a message this server already applied is left alone.
    const notice = markItipApplied(reply('carol@remote.example', 'DECLINED'));
    expect(isItipApplied(notice)).toBe(true);
    expect(await receiver.afterDelivery({ account: ALICE, message: notice })).toBeNull();
    expect(unfold((await store.objectsIn(ALICE.id, 'personal'))[0].data)).toMatch(
      /PARTSTAT=ACCEPTED[^\r]*:mailto:carol@remote.example/,
    );
  });

  test('a plain mail is not iTIP', async () => {
    const { deps } = setup();
    const plain = Buffer.from('From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n');
    expect(await applyImipMessage(deps, ALICE, plain)).toEqual({ method: null, outcome: 'not-itip' });
  });

  test('a REQUEST by mail from its organizer lands in the inbox and calendar', async () => {
    const { store, deps } = setup();
    const itip = meeting(['bob@other.example'])
      .replace(/alice@example.org/g, 'erin@remote.example')
      .replace('VERSION:2.0', 'VERSION:2.0\r\nMETHOD:REQUEST');
    const mail = buildImipMail({
      method: 'REQUEST',
      from: 'erin@remote.example',
      to: [BOB.address],
      summary: 'Planning',
      itip,
      now: new Date(),
    });
    expect(await applyImipMessage(deps, BOB, mail)).toEqual({ method: 'REQUEST', outcome: 'applied' });
    expect(await store.objectsIn(BOB.id, 'inbox')).toHaveLength(1);
    expect(await store.objectsIn(BOB.id, 'personal')).toHaveLength(1);
  });
});

describe('schedule outbox free-busy', () => {
  test('a VFREEBUSY request answers busy time of local attendees and 5.3 for remote ones', async () => {
    const { store, deps } = setup();
    await store.ensureDefaults(BOB.id);
    const calendar = (await store.collections(BOB.id)).find((c) => c.name === 'personal')!;
    const busy = meeting([]).replace(/alice@example.org/g, 'bob@other.example');
    await store.objects.put(calendar, {
      name: 'b.ics',
      data: busy,
      contentType: 'text/calendar',
      uid: 'meeting-1@example.org',
    });
    const request = crlf(`
      BEGIN:VCALENDAR
      VERSION:2.0
      PRODID:-//Test//EN
      METHOD:REQUEST
      BEGIN:VFREEBUSY
      UID:fb-1
      DTSTAMP:20260301T000000Z
      DTSTART:20260310T000000Z
      DTEND:20260311T000000Z
      ORGANIZER:mailto:alice@example.org
      ATTENDEE:mailto:bob@other.example
      ATTENDEE:mailto:zed@remote.example
      END:VFREEBUSY
      END:VCALENDAR`);
    const answers = await freeBusyResponse(deps, ALICE, request);
    expect(answers.map((a) => [a.recipient, a.requestStatus])).toEqual([
      ['mailto:bob@other.example', '2.0;Success'],
      ['mailto:zed@remote.example', '5.3;No scheduling support for user'],
    ]);
    expect(answers[0].calendarData).toMatch(/METHOD:REPLY/);
    expect(answers[0].calendarData).toMatch(/FREEBUSY;FBTYPE=BUSY:20260310T100000Z\/20260310T110000Z/);
    await expect(freeBusyResponse(deps, BOB, request)).rejects.toThrow(/ORGANIZER/);
  });
});
