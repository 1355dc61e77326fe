import { TestDns } from '../helpers/dns-records';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { Dialogue } from '../helpers/smtp-dialogue';

/**
 * Denial-of-service limits, DNSBL and greylisting, each from its own client address (loopback is
 * a /8 on Linux) so the per-address state of one test does not touch another. 127.0.0.1 is the
 * node's trusted network and 127.0.0.2 a friendly (relay) network: both are exempt.
 */
let node: TestNode;
let port: number;
const dns = new TestDns()
  // 127.0.0.66 is listed in bl.test (RFC 5782 form: reversed octets under the zone).
  .address('66.0.0.127.bl.test', '127.0.0.2')
  .address('67.0.0.127.bl.test', '127.0.0.4')
  // 127.255.255.254 is a block list's "you are not allowed to query" code, not a listing.
  .address('68.0.0.127.bl.test', '127.255.255.254');

const set = (key: string, value: string, domain?: string) =>
  node.admin({ op: 'security.set', key, value, domain });

beforeAll(async () => {
  node = await startTestNode(
    {
      roles: 'mx,delivery',
      'smtp.pregreetMs': 0,
      'smtp.trustedNetworks': '127.0.0.1/32',
      'smtp.allowInsecureAuth': true,
      'security.settingsCacheSeconds': 0,
    },
    { resolver: dns },
  );
  port = node.ports.smtp!;
  await node.admin({ op: 'domain.add', name: 'example.test' });
  await node.admin({ op: 'domain.add', name: 'grey.test' });
  await node.admin({ op: 'user.add', address: 'alice@example.test', password: 'alice-secret' });
  await node.admin({ op: 'user.add', address: 'bob@grey.test', password: 'bob-secret' });
  await set('relay.networks', '127.0.0.2');
  await set('auth.check', 'off');
});

afterAll(async () => {
  await node.destroy();
});

async function open(from: string): Promise<Dialogue> {
  const d = await Dialogue.connect(port, '127.0.0.1', from);
  expect(await d.reply()).toMatch(/^220 /);
  expect(await d.command('EHLO client.test')).toMatch(/^250/);
  return d;
}

async function send(d: Dialogue, from: string, to: string): Promise<string> {
  const mail = await d.command(`MAIL FROM:<${from}>`);
  if (!mail.startsWith('250')) return mail;
  const rcpt = await d.command(`RCPT TO:<${to}>`);
  if (!rcpt.startsWith('250')) {
    await d.command('RSET');
    return rcpt;
  }
  await d.command('DATA');
  return d.command('Subject: test\r\n\r\nhello\r\n.');
}

describe('message rate limits', () => {
  afterAll(async () => {
    await set('rate.ip.messages', '300');
    await set('rate.user.messages', '300');
  });

  it('answers 450 4.7.0 once a client address has used its messages for the window', async () => {
    await set('rate.window', '3600');
    await set('rate.ip.messages', '3');
    const d = await open('127.0.0.10');
    for (let i = 0; i < 3; i++)
      expect(await send(d, 'x@outside.test', 'alice@example.test')).toMatch(/^250 /);
    expect(await d.command('MAIL FROM:<x@outside.test>')).toMatch(
      /^450 4\.7\.0 Message rate limit exceeded for 127\.0\.0\.10, try again in \d+ seconds/,
    );
    d.close();
    // Another address has its own budget; the friendly network and the trusted one are exempt.
    for (const from of ['127.0.0.11', '127.0.0.2', '127.0.0.1']) {
      const other = await open(from);
      for (let i = 0; i < 4; i++) {
        expect(await send(other, 'x@outside.test', 'alice@example.test')).toMatch(/^250 /);
        if (from === '127.0.0.11' && i === 2) break;
      }
      other.close();
    }
  });

  it('limits an authenticated user by user, wherever they connect from', async () => {
    await set('rate.user.messages', '2');
    const token = Buffer.from('\0alice@example.test\0alice-secret').toString('base64');
    for (const [from, expected] of [
      ['127.0.0.12', ['250', '250']],
      ['127.0.0.13', ['450']],
    ] as const) {
      const d = await open(from);
      expect(await d.command(`AUTH PLAIN ${token}`)).toMatch(/^235/);
      for (const code of expected) {
        const answer = await send(d, 'alice@example.test', 'alice@example.test');
        expect(answer.slice(0, 3)).toBe(code);
        if (code === '450') expect(answer).toMatch(/Message rate limit exceeded for alice@example\.test/);
      }
      d.close();
    }
  });
});

describe('connection rate', () => {
  afterAll(() => set('rate.ip.connections', '0'));

  it('refuses a client that opens connections too fast with 421 4.7.0', async () => {
    await set('rate.ip.connections', '2');
    for (let i = 0; i < 2; i++) (await open('127.0.0.20')).close();
    const d = await Dialogue.connect(port, '127.0.0.1', '127.0.0.20');
    expect(await d.reply()).toMatch(/^421 4\.7\.0 Too many connections from 127\.0\.0\.20/);
    await d.waitClosed();
  });
});

describe('tarpitting', () => {
  afterAll(() => set('tarpit.after', '0'));

  it('holds replies back after the configured number of errors', async () => {
    await set('tarpit.after', '2');
    await set('tarpit.delayMs', '800');
    const d = await open('127.0.0.30');
    for (let i = 0; i < 2; i++) expect(await d.command('BOGUS')).toMatch(/^500 /);
    // The third error: its reply is held for at least the tarpit delay (a lower bound, not a speed test).
    const started = Date.now();
    expect(await d.command('BOGUS')).toMatch(/^500 /);
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    // And the delay grows with each further error.
    const again = Date.now();
    expect(await d.command('BOGUS')).toMatch(/^500 /);
    expect(Date.now() - again).toBeGreaterThanOrEqual(1550);
    // Correct commands are not delayed by the tarpit itself.
    expect(await d.command('NOOP')).toMatch(/^250/);
    d.close();
    // Trusted and friendly clients are never tarpitted; the policy says so without a clock.
    const policy = node.security!;
    const client = { sessionId: 'x', helo: null, authenticatedAs: null, trusted: false };
    expect(policy.tarpitDelay({ ...client, ip: '127.0.0.30' }, 3)).toBe(800);
    expect(policy.tarpitDelay({ ...client, ip: '127.0.0.30' }, 2)).toBe(0);
    expect(policy.tarpitDelay({ ...client, ip: '127.0.0.2' }, 9)).toBe(0);
    expect(policy.tarpitDelay({ ...client, ip: '127.0.0.1', trusted: true }, 9)).toBe(0);
  });
});

describe('DNSBL', () => {
  afterAll(() => set('dnsbl.zones', 'none'));

  it('refuses a listed client at connect with 554 5.7.1 naming the list', async () => {
    await set('dnsbl.zones', 'bl.test');
    await set('dnsbl.action', 'reject');
    const d = await Dialogue.connect(port, '127.0.0.1', '127.0.0.66');
    expect(await d.reply()).toBe('554 5.7.1 Service unavailable; client [127.0.0.66] blocked using bl.test');
    await d.waitClosed();
    // Not listed, or only the list's own error code: welcome.
    for (const from of ['127.0.0.65', '127.0.0.68']) {
      const ok = await Dialogue.connect(port, '127.0.0.1', from);
      expect(await ok.reply()).toMatch(/^220 /);
      ok.close();
    }
    expect(dns.queries).toContain('A 66.0.0.127.bl.test');
  });

  it('with action "tag" accepts the message and marks it', async () => {
    await set('dnsbl.action', 'tag');
    const d = await open('127.0.0.67');
    expect(await send(d, 'x@outside.test', 'alice@example.test')).toMatch(/^250 /);
    d.close();
    const message = await eventually(async () => {
      const account = await node.directory.getAccount('alice@example.test');
      const inbox = await node.mailboxes.getMailbox(account!.id, 'INBOX');
      const messages = await node.mailboxes.listMessages(inbox!.id);
      for (const m of messages) {
        const text = (await node.mailboxes.readMessage(m)).toString('utf8');
        if (text.includes('X-Nimbus-DNSBL')) return text;
      }
      return null;
    });
    expect(message).toContain('X-Nimbus-DNSBL: 127.0.0.67 listed in bl.test');
  });
});

describe('greylisting', () => {
  it('defers a new triplet with 451 4.7.1 and lets the retry through after the delay', async () => {
    await set('greylisting', 'on', 'grey.test');
    await set('greylisting.delay', '1');
    const d = await open('127.0.0.40');
    await d.command('MAIL FROM:<sender@outside.test>');
    expect(await d.command('RCPT TO:<bob@grey.test>')).toMatch(
      /^451 4\.7\.1 Greylisted, please try again in \d+ seconds/,
    );
    // Domains without greylisting are not affected, in the same transaction.
    expect(await d.command('RCPT TO:<alice@example.test>')).toMatch(/^250/);
    await d.command('RSET');
    // A retry (same network: the /24) passes once the delay is over.
    const answer = await eventually(async () => {
      await d.command('MAIL FROM:<sender@outside.test>');
      const rcpt = await d.command('RCPT TO:<bob@grey.test>');
      if (!rcpt.startsWith('250')) await d.command('RSET');
      return rcpt.startsWith('250') && rcpt;
    });
    expect(answer).toMatch(/^250/);
    d.close();
    // The triplet is remembered (in SQL, for every node): a later message passes at once.
    const later = await open('127.0.0.41');
    expect(await send(later, 'sender@outside.test', 'bob@grey.test')).toMatch(/^250 /);
    later.close();
  });

  it('never greylists authenticated users or friendly networks', async () => {
    const d = await open('127.0.0.2');
    expect(await send(d, 'new-sender@outside.test', 'bob@grey.test')).toMatch(/^250 /);
    d.close();
    const a = await open('127.0.0.50');
    expect(
      await a.command(`AUTH PLAIN ${Buffer.from('\0alice@example.test\0alice-secret').toString('base64')}`),
    ).toMatch(/^235/);
    expect(await send(a, 'alice@example.test', 'bob@grey.test')).toMatch(/^250 /);
    a.close();
    const stranger = await open('127.0.1.50');
    await stranger.command('MAIL FROM:<new-sender@outside.test>');
    expect(await stranger.command('RCPT TO:<bob@grey.test>')).toMatch(/^451 4\.7\.1/);
    stranger.close();
  });
});
