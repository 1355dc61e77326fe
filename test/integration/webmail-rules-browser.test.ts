/**
 * The webmail's filter rules in headless Chromium (Debian chromium + playwright-core): log in,
 * open Settings → Edit filter rules, create "Subject contains 'invoice' → move to Invoices",
 * save; a message sent over SMTP with that subject lands in Invoices, another one in INBOX.
 * Then a second rule is reordered and deleted, and the raw script tab shows a compile error
 * with its line and column. Screenshots go to test-artifacts/webmail/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { eventually } from '../helpers/in-process-node';
import { folderTexts } from '../helpers/mailbox-contents';
import { WebHarness } from '../e2e/web-harness';
import { launchChromium, webmailLogin } from '../helpers/webmail-browser';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'webmail');
const ALICE = 'alice@rulesweb.test';
const PW = 'rules browser password';

let h: WebHarness;
let browser: Browser;
let page: Page;
const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name) });

/** A webmail API call from inside the page (its cookie and CSRF token). */
const inPage = (url: string) =>
  page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).json(), url);

async function openRules(): Promise<void> {
  await page.click('#settings-button');
  await page.click('#rules-button');
  await page.waitForSelector('dialog#rules[open]');
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  h = await WebHarness.start();
  await h.addUser(ALICE, PW);
  // The folder the rule files into exists before the webmail lists the folders.
  const session = await (await fetch(`${h.base}/.well-known/jmap`, { headers: h.basic(ALICE, PW) })).json();
  const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail'];
  const made = await fetch(`${h.base}/jmap/api`, {
    method: 'POST',
    headers: { ...h.basic(ALICE, PW), 'content-type': 'application/json' },
    body: JSON.stringify({
      using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'],
      methodCalls: [['Mailbox/set', { accountId, create: { i: { name: 'Invoices', parentId: null } } }, '0']],
    }),
  });
  expect(made.status).toBe(200);
  browser = await launchChromium();
  page = await webmailLogin(browser, h.base, ALICE, PW);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

test('a rule made in the webmail files matching mail into Invoices', async () => {
  await openRules();
  expect(await page.textContent('#rules-list')).toContain('No rules yet');
  await page.click('#rule-add');
  await page.fill('#rule-name', 'Invoices');
  // The new rule starts as "Subject contains …" → "Move to folder".
  expect(await page.inputValue('#rule-conditions .cond-field')).toBe('Subject');
  expect(await page.inputValue('#rule-conditions .cond-op')).toBe('contains');
  await page.fill('#rule-conditions .cond-value', 'invoice');
  expect(await page.inputValue('#rule-actions .act-type')).toBe('move');
  await page.selectOption('#rule-actions .act-folder', 'Invoices');
  await shot('rules-edit.png');
  await page.click('#rule-done');
  expect(await page.textContent('#rules-list li.rule')).toContain(
    'Subject contains "invoice": move to Invoices',
  );
  await page.click('#rules-save');
  await page.waitForSelector('dialog#rules', { state: 'detached' });

  const saved = await inPage('/webmail/api/sieve');
  expect(saved).toMatchObject({ active: 'webmail', rules: [{ name: 'Invoices' }] });
  const script = await inPage('/webmail/api/sieve/script');
  expect(script.content).toContain('if header :contains "Subject" "invoice" {\n  fileinto "Invoices";\n}');

  await h.sendSmtp('shop@remote.test', ALICE, 'Your invoice 42');
  await h.sendSmtp('friend@remote.test', ALICE, 'Lunch?');
  await eventually(async () => {
    const filed = await folderTexts(h.node, ALICE, 'Invoices');
    const inbox = await folderTexts(h.node, ALICE, 'INBOX');
    expect(filed.some((m) => m.includes('Subject: Your invoice 42'))).toBe(true);
    expect(inbox.some((m) => m.includes('Subject: Lunch?'))).toBe(true);
    expect(inbox.some((m) => m.includes('invoice 42'))).toBe(false);
    return true;
  }, 20_000);
}, 60_000);

test('rules reorder and delete; the raw tab shows where a script is wrong', async () => {
  await openRules();
  await page.click('#rule-add');
  await page.fill('#rule-name', 'Big mail');
  await page.selectOption('#rule-conditions .cond-field', 'size');
  await page.fill('#rule-conditions .cond-kb', '2048');
  await page.selectOption('#rule-actions .act-type', 'flag');
  await page.click('#rule-done');
  await page.click('#rules-list li.rule:nth-child(2) .rule-up');
  expect(await page.textContent('#rules-list li.rule:nth-child(1)')).toContain('Big mail');
  await page.click('#rules-save');
  await page.waitForSelector('dialog#rules', { state: 'detached' });
  let rules = (await inPage('/webmail/api/sieve')).rules;
  expect(rules.map((r: { name: string }) => r.name)).toEqual(['Big mail', 'Invoices']);
  expect(rules[0].conditions).toEqual([{ type: 'size', comparator: 'over', bytes: 2048 * 1024 }]);

  await openRules();
  await page.click('#rules-list li.rule:nth-child(1) .rule-delete');
  await page.click('#rules-save');
  await page.waitForSelector('dialog#rules', { state: 'detached' });
  rules = (await inPage('/webmail/api/sieve')).rules;
  expect(rules.map((r: { name: string }) => r.name)).toEqual(['Invoices']);

  await openRules();
  await page.click('#tab-raw');
  await page.waitForFunction(() =>
    (document.querySelector('#raw-script') as HTMLTextAreaElement).value.includes('fileinto'),
  );
  await page.fill('#raw-script', 'require "fileinto";\nif true {\n  fileinto "x"\n}\n');
  await page.click('#rules-save');
  await page.waitForFunction(() => document.querySelector('#raw-error')?.textContent !== '');
  expect(await page.textContent('#raw-error')).toMatch(/^Line \d+, column \d+: /);
  await shot('rules-raw-error.png');
  // A valid hand edit is kept, and the rules tab then says the script is hand-edited.
  await page.fill(
    '#raw-script',
    'require "fileinto";\nif header :contains "Subject" "invoice" {\n  fileinto "Invoices";\n  stop;\n}\n',
  );
  await page.click('#rules-save');
  await page.waitForSelector('dialog#rules', { state: 'detached' });
  await openRules();
  await page.waitForSelector('#rules-hand-edited');
  expect(await page.isVisible('#raw-tab')).toBe(true);
  await page.click('#rules-close');
}, 60_000);
