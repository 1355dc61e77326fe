/**
 * The webmail's calendar and address book in headless Chromium (Debian chromium + playwright-core):
 * create an event in week view, see it in month and day views, edit and delete it; an event PUT
 * over CalDAV shows up; an invitation from another local user (CalDAV, ATTENDEE) is accepted in
 * Invitations and the organizer's copy says so; a contact is created and completed in compose,
 * as is a directory user. Screenshots go to test-artifacts/webmail/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { eventually } from '../helpers/in-process-node';
import { WebHarness } from '../e2e/web-harness';
import { launchChromium, webmailLogin } from '../helpers/webmail-browser';
import { dav } from '../e2e/webmail-session';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'webmail');
const ZONE = 'Europe/Paris';
const ALICE = 'alice@calweb.test';
const BOB = 'bob@calweb.test';
const PW = 'calendar browser password';

let h: WebHarness;
let browser: Browser;
let page: Page;
const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name) });
/** Today in the browser's time zone, as the views key their days. */
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date());
const utcStamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

function vevent(uid: string, summary: string, start: Date, extra: string[] = []): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `DTSTAMP:${utcStamp(new Date())}`,
    `DTSTART:${utcStamp(start)}`,
    `DTEND:${utcStamp(new Date(start.getTime() + 3600_000))}`,
    `SUMMARY:${summary}`,
    ...extra,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  h = await WebHarness.start();
  await h.addUser(ALICE, PW);
  await h.addUser(BOB, PW);
  browser = await launchChromium();
  page = await webmailLogin(browser, h.base, ALICE, PW, { timezoneId: ZONE });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

it('creates an event in week view, sees it in month and day views, edits and deletes it', async () => {
  const day = today();
  await page.click('#nav-calendar');
  await page.waitForSelector('#cal-grid.grid-week .day-column');
  await page.click(`.slot[data-date="${day}"][data-hour="10"]`);
  await page.waitForSelector('#event-dialog[open]');
  expect(await page.inputValue('#event-start-date')).toBe(day);
  expect(await page.inputValue('#event-start-time')).toBe('10:00');
  expect(await page.inputValue('#event-end-time')).toBe('11:00');
  await page.fill('#event-title', 'Team lunch');
  await page.fill('#event-location', 'Canteen');
  await shot('cal-1-new-event.png');
  await page.click('#event-save');
  await page.waitForSelector('#event-dialog', { state: 'detached' });
  const inWeek = page.locator(`.day-column[data-date="${day}"] button.event`, { hasText: 'Team lunch' });
  await inWeek.waitFor();
  expect(await inWeek.textContent()).toBe('10:00 Team lunch');
  await shot('cal-2-week.png');

  await page.click('#view-month');
  await page
    .locator(`.grid-month .day[data-date="${day}"] button.event`, { hasText: 'Team lunch' })
    .waitFor();
  await shot('cal-3-month.png');
  await page.click('#view-day');
  const inDay = page.locator('#cal-grid.grid-day button.event', { hasText: 'Team lunch' });
  await inDay.waitFor();
  await shot('cal-4-day.png');

  await inDay.click();
  await page.waitForSelector('#event-dialog[open]');
  expect(await page.inputValue('#event-title')).toBe('Team lunch');
  expect(await page.inputValue('#event-location')).toBe('Canteen');
  await page.fill('#event-title', 'Team lunch (moved)');
  await page.fill('#event-start-time', '12:30');
  await page.fill('#event-end-time', '13:30');
  await page.click('#event-save');
  await page.waitForSelector('#event-dialog', { state: 'detached' });
  const moved = page.locator('#cal-grid button.event', { hasText: 'Team lunch (moved)' });
  await moved.waitFor();
  expect(await moved.textContent()).toBe('12:30 Team lunch (moved)');

  // The change is in the store CalDAV clients read: one object, with the new title.
  const report = await dav(h, ALICE, PW, 'PROPFIND', `/dav/calendars/${ALICE}/personal/`, undefined, {
    depth: '1',
  });
  const names = [...report.text.matchAll(/<(?:\w+:)?href>([^<]+\.ics)<\/(?:\w+:)?href>/g)].map((m) => m[1]);
  expect(names).toHaveLength(1);
  const stored = await dav(h, ALICE, PW, 'GET', names[0]);
  expect(stored.text).toContain('SUMMARY:Team lunch (moved)');

  await moved.click();
  await page.waitForSelector('#event-dialog[open]');
  await page.click('#event-delete');
  await page.waitForSelector('#event-dialog', { state: 'detached' });
  await eventually(async () => (await page.locator('#cal-grid button.event').count()) === 0, 10_000);
  expect((await dav(h, ALICE, PW, 'GET', names[0])).status).toBe(404);
});

it('shows an event PUT over CalDAV', async () => {
  const at = new Date(`${today()}T14:00:00Z`);
  const put = await dav(
    h,
    ALICE,
    PW,
    'PUT',
    `/dav/calendars/${ALICE}/personal/tb-1.ics`,
    vevent('tb-1', 'From Thunderbird', at),
    {
      'content-type': 'text/calendar',
    },
  );
  expect(put.status).toBe(201);
  await page.click('#view-week');
  await page
    .locator(`.day-column[data-date="${today()}"] button.event`, { hasText: 'From Thunderbird' })
    .waitFor();
});

it('redraws the open calendar when an event arrives over CalDAV, without navigating (push)', async () => {
  await page.click('#view-week');
  await page.waitForSelector('#cal-grid.grid-week');
  const put = await dav(
    h,
    ALICE,
    PW,
    'PUT',
    `/dav/calendars/${ALICE}/personal/pushed-1.ics`,
    vevent('pushed-1', 'Pushed from a phone', new Date(`${today()}T16:00:00Z`)),
    { 'content-type': 'text/calendar' },
  );
  expect(put.status).toBe(201);
  // No click: only the EventSource (JMAP push, CalendarEvent state) can make it appear.
  await page
    .locator(`.day-column[data-date="${today()}"] button.event`, { hasText: 'Pushed from a phone' })
    .waitFor();
  const removed = await dav(h, ALICE, PW, 'DELETE', `/dav/calendars/${ALICE}/personal/pushed-1.ics`, '');
  expect(removed.status).toBe(204);
  await page.locator('button.event', { hasText: 'Pushed from a phone' }).waitFor({ state: 'detached' });
});

it('accepts an invitation from another local user; the organizer sees ACCEPTED over CalDAV', async () => {
  const at = new Date(Date.now() + 2 * 86_400_000);
  const invitation = vevent('review-1', 'Design review', at, [
    `ORGANIZER:mailto:${BOB}`,
    `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${BOB}`,
    `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${ALICE}`,
  ]);
  const organizerPath = `/dav/calendars/${BOB}/personal/review-1.ics`;
  const put = await dav(h, BOB, PW, 'PUT', organizerPath, invitation, { 'content-type': 'text/calendar' });
  expect(put.status).toBe(201);
  await page.click('#view-week');
  await eventually(
    async () =>
      (await page.textContent('#invitation-count')) === '(1)' || (await page.click('#cal-today'), false),
    10_000,
  );
  await page.click('#show-invitations');
  const item = page.locator('#invitations li.invitation', { hasText: 'Design review' });
  await item.waitFor();
  expect(await item.textContent()).toContain(`From ${BOB}`);
  await shot('cal-5-invitations.png');
  await item.locator('button.accept').click();
  await page.locator('#invitations li.empty').waitFor();
  await page.click('#invitations-close');
  const organizerCopy = await eventually(async () => {
    const text = (await dav(h, BOB, PW, 'GET', organizerPath)).text.replace(/\r\n /g, '');
    return /ATTENDEE[^\r\n]*PARTSTAT=ACCEPTED[^\r\n]*:mailto:alice@calweb\.test/i.test(text) ? text : null;
  }, 10_000);
  expect(organizerCopy).toContain('SUMMARY:Design review');
});

it('creates a contact and completes it, and a directory user, in compose', async () => {
  await page.click('#nav-contacts');
  await page.waitForSelector('#contact-list');
  await page.click('#new-contact');
  await page.waitForSelector('#contact-dialog[open]');
  await page.fill('#contact-name', 'Linus Torvalds');
  await page.fill('#contact-emails', 'linus@kernel.example');
  await page.fill('#contact-org', 'Kernel');
  await page.click('#contact-save');
  await page.waitForSelector('#contact-dialog', { state: 'detached' });
  await page.locator('#contact-list button.contact', { hasText: 'Linus Torvalds' }).waitFor();
  await shot('contacts-1-list.png');
  // A card written over CardDAV (a phone) shows up in the open list by push.
  const card = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'UID:pushed-card',
    'FN:Ada Lovelace',
    'N:Lovelace;Ada;;;',
    'EMAIL:ada@engine.example',
    'END:VCARD',
    '',
  ].join('\r\n');
  const putCard = await dav(
    h,
    ALICE,
    PW,
    'PUT',
    `/dav/addressbooks/${ALICE}/contacts/pushed-card.vcf`,
    card,
    {
      'content-type': 'text/vcard',
    },
  );
  expect(putCard.status).toBe(201);
  await page.locator('#contact-list button.contact', { hasText: 'Ada Lovelace' }).waitFor();

  await page.click('#nav-mail');
  await page.waitForSelector('#folders li');
  await page.click('#compose-button');
  await page.waitForSelector('#compose[open]');
  await page.locator('#compose-to').pressSequentially('tor');
  const option = page.locator('.completions li[role=option]', { hasText: 'linus@kernel.example' });
  await option.waitFor();
  expect(await page.getAttribute('#compose-to', 'aria-expanded')).toBe('true');
  await shot('contacts-2-completion.png');
  await page.locator('#compose-to').press('Enter');
  expect(await page.inputValue('#compose-to')).toBe('Linus Torvalds <linus@kernel.example>, ');

  await page.locator('#compose-to').pressSequentially('bo');
  const directory = page.locator('.completions li[role=option].directory', { hasText: BOB });
  await directory.waitFor();
  await directory.click();
  expect(await page.inputValue('#compose-to')).toBe(`Linus Torvalds <linus@kernel.example>, bob <${BOB}>, `);
  // Keyboard: ↓ moves, Escape closes the list without closing the dialog.
  await page.locator('#compose-cc').pressSequentially('li');
  await page.locator('#compose-cc + .completions li[role=option]').first().waitFor();
  await page.locator('#compose-cc').press('Escape');
  expect(await page.getAttribute('#compose-cc', 'aria-expanded')).toBe('false');
  expect(await page.locator('#compose[open]').count()).toBe(1);
  await shot('contacts-3-compose.png');
});
