/**
 * JMAP push for calendars and address books: a CalDAV or CardDAV write reaches an open
 * EventSource as a CalendarEvent or ContactCard state change (and not as a mail change), which is
 * what lets the webmail redraw its calendar and contacts without a reload.
 */
import { WebHarness } from './web-harness';
import { dav } from './webmail-session';
import { eventually } from '../helpers/in-process-node';

const ALICE = 'alice@push-pim.test';
const PW = 'push pim password 1';
let h: WebHarness;

beforeAll(async () => {
  h = await WebHarness.start();
  await h.addUser(ALICE, PW);
  // The first DAV request creates the default calendar and address book (a change of its own).
  expect((await dav(h, ALICE, PW, 'PROPFIND', `/dav/calendars/${ALICE}/`, '', { depth: '1' })).status).toBe(
    207,
  );
}, 60_000);
afterAll(async () => h?.stop());

/** Opens /jmap/eventsource with closeafter=state and returns the first StateChange's `changed` map. */
async function nextChange(types: string, act: () => Promise<void>): Promise<Record<string, string>> {
  const controller = new AbortController();
  const res = await fetch(`${h.base}/jmap/eventsource?types=${types}&closeafter=state&ping=0`, {
    headers: h.basic(ALICE, PW),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  let text = '';
  const read = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
      if (/data: .*StateChange.*\n\n/.test(text)) break;
    }
  })();
  await eventually(async () => text.includes('connected'));
  await act();
  await read;
  controller.abort();
  const data = /data: (.*StateChange.*)\n/.exec(text)![1];
  const change = JSON.parse(data) as { changed: Record<string, Record<string, string>> };
  return Object.values(change.changed)[0];
}

it('a CalDAV PUT pushes a Calendar/CalendarEvent state change, not a mail one', async () => {
  const changed = await nextChange('*', async () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//EN',
      'BEGIN:VEVENT',
      'UID:push-1',
      'DTSTAMP:20261203T120000Z',
      'DTSTART:20261204T100000Z',
      'DTEND:20261204T110000Z',
      'SUMMARY:pushed',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const put = await dav(h, ALICE, PW, 'PUT', `/dav/calendars/${ALICE}/personal/push-1.ics`, ics, {
      'content-type': 'text/calendar',
    });
    expect(put.status).toBe(201);
  });
  expect(Object.keys(changed).sort()).toEqual(['Calendar', 'CalendarEvent']);
});

it('a CardDAV PUT pushes a ContactCard change, and only the types asked for', async () => {
  const changed = await nextChange('ContactCard', async () => {
    const card = ['BEGIN:VCARD', 'VERSION:3.0', 'UID:push-card', 'FN:Ada', 'END:VCARD', ''].join('\r\n');
    const put = await dav(h, ALICE, PW, 'PUT', `/dav/addressbooks/${ALICE}/contacts/push-card.vcf`, card, {
      'content-type': 'text/vcard',
    });
    expect(put.status).toBe(201);
  });
  expect(Object.keys(changed)).toEqual(['ContactCard']);
});

it('mail still pushes the mail types', async () => {
  const changed = await nextChange('*', async () => {
    await h.sendSmtp(ALICE, ALICE, 'push mail');
  });
  expect(Object.keys(changed).sort()).toEqual(['Email', 'Mailbox', 'Thread']);
});
