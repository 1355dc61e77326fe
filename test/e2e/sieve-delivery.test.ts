/**
 * Sieve at delivery over real sockets: mail in by SMTP, the result read back over IMAP (imapflow)
 * and at an SMTP sink standing in for the Internet. Scripts are stored with the admin commands
 * (`nimbus sieve` runs the same ones).
 */
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { SmtpSink } from '../helpers/smtp-sink';

const pw = 'sieve delivery password';
const DOMAIN = 'sieve.test';
const ann = `ann@${DOMAIN}`;
const bob = `bob@${DOMAIN}`;
const cat = `cat@${DOMAIN}`;
const dan = `dan@${DOMAIN}`;
const eve = `eve@${DOMAIN}`;
let node: TestNode;
let sink: SmtpSink;

async function send(from: string, to: string, subject: string, headers: Record<string, string> = {}) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.smtp!,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({ envelope: { from, to }, from, to, subject, text: `${subject}\r\n`, headers });
}

/** The subjects and flags of one folder, as an IMAP client sees them. */
async function folder(user: string, mailbox: string): Promise<{ subject: string; flags: string[] }[]> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: node.ports.imap!,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass: pw },
    logger: false,
  });
  await client.connect();
  try {
    const exists = (await client.list()).some((m) => m.path === mailbox);
    if (!exists) return [];
    const lock = await client.getMailboxLock(mailbox);
    try {
      const out: { subject: string; flags: string[] }[] = [];
      for await (const m of client.fetch('1:*', { envelope: true, flags: true }))
        out.push({ subject: m.envelope?.subject ?? '', flags: [...(m.flags ?? [])].sort() });
      return out;
    } catch {
      return []; // an empty mailbox answers the 1:* fetch with nothing or an error
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

const has = async (user: string, mailbox: string, subject: string) =>
  (await folder(user, mailbox)).find((m) => m.subject.includes(subject));
const atSink = (recipient: string, text: string) =>
  sink.messages.find((m) => m.recipients.includes(recipient) && m.data.toString('utf8').includes(text));

async function putScript(address: string, content: string) {
  await node.admin({ op: 'sieve.put', address, name: 'main', content, activate: true });
}

beforeAll(async () => {
  sink = await new SmtpSink().start();
  node = await startTestNode({
    roles: 'mx,submission,imap,delivery,mta,web',
    'relay.resolverOverrides': { 'outside.test': `127.0.0.1:${sink.port}` },
    'relay.retrySchedule': '1s',
    'relay.pollIntervalMs': 100,
    'imap.allowInsecureAuth': true,
  });
  await node.admin({ op: 'domain.add', name: DOMAIN });
  for (const address of [ann, bob, cat, dan, eve])
    await node.admin({ op: 'user.add', address, password: pw });
}, 120_000);

afterAll(async () => {
  await node?.destroy();
  await sink?.stop();
});

describe('Sieve at delivery', () => {
  it('files into a folder (created with :create) with flags', async () => {
    await putScript(
      ann,
      `require ["fileinto", "imap4flags", "mailbox"];
       if header :contains "subject" "report" { fileinto :create :flags ["\\\\Seen", "$Report"] "Reports"; stop; }`,
    );
    await send('zoe@outside.test', ann, 'Weekly report');
    await send('zoe@outside.test', ann, 'Just hello');
    const filed = await eventually(() => has(ann, 'Reports', 'Weekly report'));
    expect(filed.flags).toEqual(['$Report', '\\Seen']);
    await eventually(() => has(ann, 'INBOX', 'Just hello'));
    expect(await has(ann, 'INBOX', 'Weekly report')).toBeUndefined();
  });

  it('redirects with an SRS-rewritten envelope sender', async () => {
    await putScript(bob, `redirect "bob.away@outside.test";`);
    await send('zoe@outside.test', bob, 'Redirect me');
    const relayed = await eventually(async () => atSink('bob.away@outside.test', 'Redirect me'));
    expect(relayed.mailFrom).toMatch(/^SRS0=[^=]{4}=[A-Z2-7]{2}=outside\.test=zoe@sieve\.test$/);
    expect(await has(bob, 'INBOX', 'Redirect me')).toBeUndefined();
  });

  it('reject sends a rejection (an MDN) to the sender with the null envelope sender', async () => {
    await putScript(
      cat,
      `require "reject"; if header :contains "subject" "offer" { reject "No offers, thanks."; }`,
    );
    await send('zoe@outside.test', cat, 'Special offer');
    const bounce = await eventually(async () => atSink('zoe@outside.test', 'Rejected: Special offer'));
    expect(bounce.mailFrom).toBe('');
    expect(bounce.data.toString('utf8')).toContain('disposition-notification');
    expect(await has(cat, 'INBOX', 'Special offer')).toBeUndefined();
  });

  it('discard stores nothing; a later message still arrives', async () => {
    await putScript(dan, `if header :contains "subject" "noise" { discard; }`);
    await send('zoe@outside.test', dan, 'Pure noise');
    await send('zoe@outside.test', dan, 'Signal afterwards');
    await eventually(() => has(dan, 'INBOX', 'Signal afterwards'));
    expect(await has(dan, 'INBOX', 'Pure noise')).toBeUndefined();
  });

  it('a script that fails at run time keeps the message in INBOX and tells the user', async () => {
    // Stored while valid, then the include it relies on is gone: a runtime failure.
    await node.admin({ op: 'sieve.put', address: eve, name: 'helper', content: 'keep;' });
    await putScript(
      eve,
      `require ["include", "fileinto"]; include :personal "helper"; fileinto "Elsewhere";`,
    );
    await node.admin({ op: 'sieve.delete', address: eve, name: 'helper' });
    await send('zoe@outside.test', eve, 'Must not be lost');
    await eventually(() => has(eve, 'INBOX', 'Must not be lost'));
    await eventually(() => has(eve, 'INBOX', 'Your filter failed'));
  });

  it('the global before script files the domain\u2019s spam into Junk', async () => {
    await node.admin({
      op: 'sieve.global.put',
      domain: DOMAIN,
      phase: 'before',
      content: `require "fileinto"; if header :contains "subject" "[SPAM]" { fileinto "Junk"; stop; }`,
    });
    try {
      await send('zoe@outside.test', ann, '[SPAM] cheap watches');
      await eventually(() => has(ann, 'Junk', 'cheap watches'));
      expect(await has(ann, 'INBOX', 'cheap watches')).toBeUndefined();
    } finally {
      await node.admin({ op: 'sieve.global.delete', domain: DOMAIN, phase: 'before' });
    }
  });

  it('vacation through Sieve answers once per sender', async () => {
    await putScript(dan, `require "vacation"; vacation :days 7 :subject "Away" "I am away until Monday.";`);
    await send('yan@outside.test', dan, 'First question');
    await send('yan@outside.test', dan, 'Second question');
    await eventually(() => has(dan, 'INBOX', 'Second question'));
    const reply = await eventually(async () => atSink('yan@outside.test', 'Subject: Away'));
    expect(reply.mailFrom).toBe('');
    expect(reply.data.toString('utf8')).toMatch(/Auto-Submitted: auto-replied/);
    // Both messages are delivered; give the second reply a chance to appear, then count.
    await eventually(() => has(dan, 'INBOX', 'First question'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(sink.messages.filter((m) => m.recipients.includes('yan@outside.test')).length).toBe(1);
  });
});

describe('Sieve through the admin API', () => {
  const base = () => `http://127.0.0.1:${node.ports.http}`;
  const ADMIN = { name: 'sieveroot', password: 'sieve admin password 1' };
  let auth: Record<string, string>;

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(base() + path, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.status,
      json: (await res.json().catch(() => null)) as Record<string, unknown> | null,
    };
  }

  beforeAll(async () => {
    await node.admin({ op: 'admin.add', ...ADMIN });
    auth = {};
    const login = await call('POST', '/api/admin/login', ADMIN);
    auth = { authorization: `Bearer ${String(login.json?.token)}` };
  });

  it('stores, refuses, activates and deletes user and global scripts, each change audited', async () => {
    const user = `/api/admin/users/${encodeURIComponent(ann)}/sieve`;
    expect((await call('PUT', `${user}/api%20one`, { content: 'keep;' })).status).toBe(200);
    const broken = await call('PUT', `${user}/broken`, { content: 'if true {' });
    expect([broken.status, broken.json?.code]).toEqual([400, 'invalid']);
    expect(String(broken.json?.error)).toMatch(/line 1/);
    expect(
      (await call('PUT', `/api/admin/users/${encodeURIComponent(ann)}/sieve-active`, { name: 'api one' }))
        .status,
    ).toBe(200);
    const listed = await call('GET', user);
    expect(listed.json).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'api one', active: true })]),
    );
    expect((await call('DELETE', `${user}/api%20one`)).status).toBe(400); // the active one
    expect((await call('GET', `${user}/missing`)).status).toBe(404);

    const global = `/api/admin/domains/${DOMAIN}/sieve/after`;
    expect((await call('PUT', global, { content: 'keep;' })).status).toBe(200);
    expect((await call('GET', global)).json).toMatchObject({ content: 'keep;' });
    expect((await call('DELETE', global)).status).toBe(200);
    expect(
      (await call('PUT', `/api/admin/domains/${DOMAIN}/sieve/middle`, { content: 'keep;' })).status,
    ).toBe(400);

    const audit = (await call('GET', '/api/admin/audit?limit=100')).json as unknown as {
      action: string;
      outcome: string;
    }[];
    const actions = audit.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['sieve.put', 'sieve.activate', 'sieve.global.put', 'sieve.global.delete']),
    );
    expect(actions).not.toContain('sieve.list');
    // Leave ann without an active script for the rest of the file.
    await node.admin({ op: 'sieve.activate', address: ann, name: null });
  });
});
