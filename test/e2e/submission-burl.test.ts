/**
 * BURL (RFC 4468) end to end: GENURLAUTH over IMAP, then BURL over submission (implicit TLS,
 * after AUTH), then the message arrives in the recipient's mailbox. The submission listener
 * resolves the URL in-process (same store); the URLAUTH check treats it as the submission
 * entity for the authenticated user, so only "submit+<that user>" (or authuser) URLs work.
 * Real clients: Python's smtplib for BURL; arrival is checked over IMAP.
 */
import { Dialogue } from '../helpers/smtp-dialogue';
import { eventually } from '../helpers/in-process-node';
import { addUser, python, RawImap, startImapHarness, type ImapHarness } from './imap-harness';

const HOST = 'imap.test.example';
let h: ImapHarness;
const open: { close(): void | Promise<void> }[] = [];

const plain = (user: string, pass: string): string => Buffer.from(`\0${user}\0${pass}`).toString('base64');

async function imap(user: string): Promise<RawImap> {
  const r = await RawImap.connect(h.port);
  open.push(r);
  expect(await r.command('L', `LOGIN ${user} ${user.split('@')[0]}-pw`)).toMatch(/L OK/);
  return r;
}

async function submission(user?: string): Promise<Dialogue> {
  const d = await Dialogue.connectTls(h.node.ports.submissions!);
  open.push(d);
  expect(await d.reply()).toMatch(/^220 /);
  const ehlo = await d.command('EHLO client.test');
  expect(ehlo).not.toMatch(/BURL/); // RFC 4468 §3: not before AUTH
  if (user) {
    expect(await d.command(`AUTH PLAIN ${plain(user, `${user.split('@')[0]}-pw`)}`)).toMatch(/^235 /);
  }
  return d;
}

/** Appends a draft to alice's Drafts and authorizes a URL for it; returns the URL. */
async function draftUrl(subject: string, access = 'submit+alice%40a.test', section = ''): Promise<string> {
  const r = await imap('alice@a.test');
  await r.command('c', 'CREATE Drafts');
  const text = `From: alice@a.test\r\nTo: bob@a.test\r\nSubject: ${subject}\r\n\r\nBody of ${subject}\r\n`;
  const out = await r.command('a', `APPEND Drafts {${text.length}+}\r\n${text}`);
  const [, validity, uid] = /APPENDUID (\d+) (\d+)/.exec(out)!;
  const rump = `imap://alice%40a.test@${HOST}/Drafts;UIDVALIDITY=${validity}/;UID=${uid}${section};URLAUTH=${access}`;
  const gen = await r.command('g', `GENURLAUTH "${rump}" INTERNAL`);
  return /^\* GENURLAUTH "([^"]+)"/m.exec(gen)![1];
}

async function bobHas(subject: string): Promise<boolean> {
  const r = await imap('bob@a.test');
  await r.command('s', 'EXAMINE INBOX');
  const out = await r.command('f', 'FETCH 1:* BODY.PEEK[HEADER.FIELDS (SUBJECT)]');
  await r.close();
  return out.includes(`Subject: ${subject}\r\n`);
}

beforeAll(async () => {
  h = await startImapHarness({ hostname: HOST });
  await addUser(h, 'alice@a.test', 'alice-pw');
  await addUser(h, 'bob@a.test', 'bob-pw');
});

afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

afterAll(async () => {
  await h.close();
});

test('EHLO offers "BURL imap" on submission only after AUTH, never on MX', async () => {
  const d = await submission('alice@a.test');
  expect(await d.command('EHLO client.test')).toMatch(/^250[- ]BURL imap\r?$/m);
  const mx = await Dialogue.connect(h.node.ports.smtp!);
  open.push(mx);
  await mx.reply();
  expect(await mx.command('EHLO client.test')).not.toMatch(/BURL/);
  expect(await mx.command('BURL imap://x/INBOX/;UID=1 LAST')).toMatch(/^500 5\.5\.2 /);
});

test('BURL ... LAST sends the draft; it is delivered to the recipient', async () => {
  const url = await draftUrl('burl raw');
  const d = await submission('alice@a.test');
  expect(await d.command('MAIL FROM:<alice@a.test>')).toMatch(/^250 /);
  expect(await d.command('RCPT TO:<bob@a.test>')).toMatch(/^250 /);
  expect(await d.command(`BURL ${url} LAST`)).toMatch(/^250 2\.0\.0 Ok: queued as /);
  await eventually(() => bobHas('burl raw'));
});

test('an authuser URL works too (the submission entity acts for an authenticated user)', async () => {
  const url = await draftUrl('burl authuser', 'authuser');
  const d = await submission('alice@a.test');
  await d.command('MAIL FROM:<alice@a.test>');
  await d.command('RCPT TO:<bob@a.test>');
  expect(await d.command(`BURL ${url} LAST`)).toMatch(/^250 2\.0\.0 /);
  await eventually(() => bobHas('burl authuser'));
});

test('BDAT and BURL mix in one message', async () => {
  const url = await draftUrl('burl mixed', 'submit+alice%40a.test', '/;SECTION=TEXT');
  const d = await submission('alice@a.test');
  await d.command('MAIL FROM:<alice@a.test>');
  await d.command('RCPT TO:<bob@a.test>');
  const header = 'From: alice@a.test\r\nTo: bob@a.test\r\nSubject: burl mixed head\r\n\r\n';
  d.send(`BDAT ${header.length}\r\n${header}`);
  expect(await d.reply()).toMatch(/^250 /);
  expect(await d.command(`BURL ${url}`)).toMatch(/^250 2\.5\.0 /);
  expect(await d.command('BDAT 0 LAST')).toMatch(/^250 2\.0\.0 Ok: queued/);
  await eventually(() => bobHas('burl mixed head'));
  const r = await imap('bob@a.test');
  await r.command('s', 'EXAMINE INBOX');
  // The BDAT header, then the draft's text from the URL (;SECTION=TEXT).
  expect(await r.command('f', 'FETCH 1:* BODY.PEEK[]')).toContain(`${header}Body of burl mixed\r\n`);
});

test('refusals: order, syntax, plain URLs, wrong access identifier or user, forged token, missing message', async () => {
  const good = await draftUrl('burl refused');
  const userUrl = await draftUrl('burl user', 'user+alice%40a.test');
  const d = await submission('alice@a.test');
  expect(await d.command(`BURL ${good} LAST`)).toMatch(/^503 5\.5\.1 /);
  const fresh = async (): Promise<void> => {
    await d.command('RSET');
    expect(await d.command('MAIL FROM:<alice@a.test>')).toMatch(/^250 /);
    expect(await d.command('RCPT TO:<bob@a.test>')).toMatch(/^250 /);
  };
  await fresh();
  expect(await d.command('BURL')).toMatch(/^501 5\.5\.4 /);
  expect(await d.command('BURL a b c')).toMatch(/^501 5\.5\.4 /);
  expect(await d.command('BURL http://example.com/x LAST')).toMatch(/^554 5\.5\.4 /);
  await fresh();
  expect(
    await d.command(`BURL ${good.replace(/:internal:.*$/, '').replace(/;URLAUTH=.*$/, '')} LAST`),
  ).toMatch(/^554 5\.7\.14 /);
  await fresh();
  expect(await d.command(`BURL ${userUrl} LAST`)).toMatch(/^554 5\.7\.0 /);
  await fresh();
  const forged = good.replace(/[0-9a-f]$/, (c) => (c === '0' ? '1' : '0'));
  expect(await d.command(`BURL ${forged} LAST`)).toMatch(/^554 5\.7\.0 /);
  // The transaction failed with the BURL: a new MAIL is needed.
  expect(await d.command('RCPT TO:<bob@a.test>')).toMatch(/^503 /);

  // Another user cannot use alice's submit+alice URL.
  const b = await submission('bob@a.test');
  await b.command('MAIL FROM:<bob@a.test>');
  await b.command('RCPT TO:<alice@a.test>');
  expect(await b.command(`BURL ${good} LAST`)).toMatch(/^554 5\.7\.0 /);

  // Once the draft is expunged, the URL names no content.
  const r = await imap('alice@a.test');
  await r.command('s', 'SELECT Drafts');
  await r.command('st', 'STORE 1:* +FLAGS.SILENT (\\Deleted)');
  await r.command('x', 'EXPUNGE');
  await fresh();
  expect(await d.command(`BURL ${good} LAST`)).toMatch(/^554 5\.6\.6 /);
  expect(await bobHas('burl refused')).toBe(false);
  expect(await bobHas('burl user')).toBe(false);
});

test('Python smtplib sends a GENURLAUTH URL with BURL', async () => {
  const url = await draftUrl('burl python');
  const script = String.raw`
import os, smtplib, ssl, base64, json
s = smtplib.SMTP_SSL('127.0.0.1', int(os.environ['PORT']), context=ssl._create_unverified_context())
s.ehlo('py.test')
s.login('alice@a.test', 'alice-pw')
code, text = s.ehlo('py.test')
out = {'burl': s.has_extn('burl'), 'burl_arg': s.esmtp_features.get('burl')}
out['mail'] = s.mail('alice@a.test')[0]
out['rcpt'] = s.rcpt('bob@a.test')[0]
code, text = s.docmd('BURL', os.environ['URL'] + ' LAST')
out['burl_reply'] = [code, text.decode()]
s.quit()
print(json.dumps(out))
`;
  const out = JSON.parse(await python(script, { PORT: String(h.node.ports.submissions), URL: url }));
  expect(out).toMatchObject({ burl: true, burl_arg: 'imap', mail: 250, rcpt: 250 });
  expect(out.burl_reply[0]).toBe(250);
  await eventually(() => bobHas('burl python'));
});
