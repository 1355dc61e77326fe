/**
 * Mailing lists in the webmail, in headless Chromium (Debian chromium + playwright-core): a member
 * who moderates the list opens Settings → My mailing lists, defers one held post and approves
 * another (which then reaches the members), reads and searches the archive, switches her delivery to digest
 * and leaves the list. A user who only belongs to the list gets no moderation queue (403 from the
 * API). Screenshots go to test-artifacts/webmail/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { eventually } from '../helpers/in-process-node';
import { folderTexts } from '../helpers/mailbox-contents';
import { WebHarness } from '../e2e/web-harness';
import { launchChromium, webmailLogin } from '../helpers/webmail-browser';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'webmail');
const ANN = 'ann@listweb.test';
const BEN = 'ben@listweb.test';
const LIST = 'dev@listweb.test';
const PW = 'lists browser password';

let h: WebHarness;
let browser: Browser;
let page: Page;
const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name) });

type Member = { address: string; deliveryMode: string };
async function members(): Promise<Member[]> {
  const result = (await h.node.admin({ op: 'list.members', address: LIST })) as
    Member[] | { members: Member[] };
  return Array.isArray(result) ? result : result.members;
}

async function openLists(): Promise<void> {
  await page.click('#settings-button');
  await page.click('#lists-button');
  await page.waitForSelector('dialog#lists[open] #lists-list li');
}

const login = (user: string) => webmailLogin(browser, h.base, user, PW);

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  h = await WebHarness.start();
  await h.addUser(ANN, PW);
  await h.addUser(BEN, PW);
  await h.node.admin({ op: 'list.add', address: LIST, settings: { name: 'Developers' }, moderators: [ANN] });
  for (const member of [ANN, BEN]) await h.node.admin({ op: 'list.subscribe', address: LIST, member });
  // One member post (archived, delivered) and one held post from outside.
  await h.sendSmtp(BEN, LIST, 'Release notes for 2.0');
  await h.sendSmtp('stranger@remote.test', LIST, 'Please look at my patch');
  await h.sendSmtp('other@remote.test', LIST, 'Decide me later');
  await eventually(async () =>
    (await folderTexts(h.node, ANN, 'INBOX')).some((m) => m.includes('Release notes')),
  );
  await eventually(async () => {
    const held = (await h.node.admin({ op: 'list.held', address: LIST })) as unknown[];
    return held.length === 2;
  });
  browser = await launchChromium();
  page = await login(ANN);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

test('a moderator approves a held post from the webmail; it reaches the members', async () => {
  await openLists();
  const row = page.locator(`#lists-list li[data-address="${LIST}"]`);
  expect(await row.textContent()).toContain('moderator');
  await row.locator('.list-held').click();
  await page.waitForSelector('#held-posts li.held-post');
  expect(await page.textContent('#held-posts')).toContain('Please look at my patch');
  await shot('lists-held.png');
  const patch = page.locator('#held-posts li.held-post', { hasText: 'Please look at my patch' });
  const later = page.locator('#held-posts li.held-post', { hasText: 'Decide me later' });
  await later.locator('.held-defer').click();
  await page.waitForSelector('#held-posts li.held-post.deferred');
  await patch.locator('.held-approve').click();
  // Approved posts leave the queue; the deferred one waits for a decision.
  await page.waitForFunction(() => document.querySelectorAll('#held-posts li.held-post').length === 1);
  expect(await page.textContent('#held-posts')).toContain('Decide me later');
  await eventually(async () =>
    (await folderTexts(h.node, BEN, 'INBOX')).some((m) => m.includes('Please look at my patch')),
  );
}, 60_000);

test('the archive lists the month, opens a post and finds it by search', async () => {
  await page.locator(`#lists-list li[data-address="${LIST}"] .list-archive`).click();
  await page.waitForSelector('#archive-months .archive-month');
  await page.click('#archive-months .archive-month');
  await page.waitForSelector('#archive-results .archive-entry');
  expect(await page.textContent('#archive-results')).toContain('Release notes for 2.0');
  await page.click('#archive-results .archive-entry >> text=Release notes for 2.0');
  const frame = await (await page.waitForSelector('#archive-post')).contentFrame();
  await frame!.waitForSelector('body');
  await eventually(async () => ((await frame!.textContent('body')) ?? '').includes('Release notes for 2.0'));
  await page.fill('#archive-search', 'patch');
  await page.click('#archive-search-form button[type=submit]');
  await page.waitForSelector('#archive-results .archive-entry >> text=Please look at my patch');
  expect(await page.textContent('#archive-results')).not.toContain('Release notes');
  await shot('lists-archive.png');
}, 60_000);

test('a member changes her delivery to digest, then leaves the list', async () => {
  await page.selectOption(`#lists-list li[data-address="${LIST}"] .list-mode`, 'digest');
  await eventually(async () => (await members()).find((m) => m.address === ANN)?.deliveryMode === 'digest');
  page.once('dialog', (d) => void d.accept());
  await page.click(`#lists-list li[data-address="${LIST}"] .list-leave`);
  // Still a moderator, so the list stays in her dialog, without the member controls.
  await page.waitForSelector(`#lists-list li[data-address="${LIST}"]:not(:has(.list-leave))`);
  expect((await members()).map((m) => m.address)).not.toContain(ANN);
}, 60_000);

test('a plain member has no moderation queue', async () => {
  const ben = await login(BEN);
  await ben.click('#settings-button');
  await ben.click('#lists-button');
  await ben.waitForSelector(`dialog#lists[open] #lists-list li[data-address="${LIST}"]`);
  expect(await ben.locator('#lists-list .list-held').count()).toBe(0);
  const status = await ben.evaluate(
    async (u) => (await fetch(u, { credentials: 'same-origin' })).status,
    `/webmail/api/lists/${encodeURIComponent(LIST)}/held`,
  );
  expect(status).toBe(403);
}, 60_000);
