import { ClamdClient } from '../../core/adapters/scanners/clamd-client';
import { RspamdClient } from '../../core/adapters/scanners/rspamd-client';
import { SpamdClient } from '../../core/adapters/scanners/spamd-client';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import {
  EICAR,
  GTUBE,
  TEST_VIRUS,
  startClamd,
  startRspamd,
  startSpamd,
  type Daemon,
} from '../helpers/scanner-daemons';
import { Dialogue } from '../helpers/smtp-dialogue';

/**
 * The anti-virus and anti-spam hooks against the real daemons from Debian's packages
 * (clamav-daemon, spamassassin, rspamd), started on 127.0.0.1 with temporary configurations by
 * test/helpers/scanner-daemons.ts. Needs: apt-get install clamav-daemon spamassassin rspamd.
 */
let clamd: Daemon;
let spamd: Daemon;
let rspamd: Daemon;
let node: TestNode;
let port: number;

const HAM =
  'From: Ann <ann@friends.test>\r\nTo: you@av.test\r\nSubject: lunch\r\n' +
  'Date: Fri, 28 Nov 2025 10:00:00 +0000\r\nMessage-ID: <lunch-1@friends.test>\r\n' +
  'MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nLunch tomorrow at noon?\r\n';

function withBody(subject: string, body: string): string {
  return HAM.replace('Subject: lunch', `Subject: ${subject}`).replace('Lunch tomorrow at noon?', body);
}

beforeAll(async () => {
  // One after another: the machine running the suites may have only a couple of cores.
  clamd = await startClamd();
  spamd = await startSpamd();
  rspamd = await startRspamd();
  node = await startTestNode({
    roles: 'mx,delivery',
    'smtp.pregreetMs': 0,
    'security.clamdAddress': `127.0.0.1:${clamd.port}`,
    'security.spamdAddress': `127.0.0.1:${spamd.port}`,
    'security.rspamdUrl': `http://127.0.0.1:${rspamd.port}`,
    'security.settingsCacheSeconds': 0,
  });
  port = node.ports.smtp!;
  const domains: [string, [string, string][]][] = [
    ['av.test', [['av', 'clamd']]],
    [
      'avq.test',
      [
        ['av', 'clamd'],
        ['av.action', 'quarantine'],
      ],
    ],
    ['sa.test', [['spam', 'spamd']]],
    [
      'rs.test',
      [
        ['spam', 'rspamd'],
        ['spam.action', 'reject'],
      ],
    ],
    [
      'tag.test',
      [
        ['spam', 'rspamd'],
        ['spam.action', 'tag'],
      ],
    ],
  ];
  for (const [name, settings] of domains) {
    await node.admin({ op: 'domain.add', name });
    await node.admin({ op: 'user.add', address: `you@${name}`, password: 'pw' });
    for (const [key, value] of settings) await node.admin({ op: 'security.set', key, value, domain: name });
  }
}, 240_000);

afterAll(async () => {
  await node?.destroy();
  await Promise.all([clamd?.stop(), spamd?.stop(), rspamd?.stop()]);
});

async function deliver(rcpt: string, raw: string): Promise<string> {
  const d = await Dialogue.connect(port);
  try {
    expect(await d.reply()).toMatch(/^220/);
    await d.command('EHLO client.test');
    expect(await d.command('MAIL FROM:<ann@friends.test>')).toMatch(/^250/);
    expect(await d.command(`RCPT TO:<${rcpt}>`)).toMatch(/^250/);
    expect(await d.command('DATA')).toMatch(/^354/);
    return await d.command(`${raw}.`);
  } finally {
    d.close();
  }
}

async function stored(address: string, subject: string, folder = 'INBOX'): Promise<string> {
  return eventually(async () => {
    const account = await node.directory.getAccount(address);
    const mailbox = await node.mailboxes.getMailbox(account!.id, folder);
    for (const m of await node.mailboxes.listMessages(mailbox!.id)) {
      const text = (await node.mailboxes.readMessage(m)).toString('utf8');
      if (text.includes(`Subject: ${subject}\r\n`)) return text;
    }
    return null;
  });
}

describe('the protocol clients against the real daemons', () => {
  it('clamd (INSTREAM): clean, EICAR, our own signature, also inside base64', async () => {
    const client = new ClamdClient({ host: '127.0.0.1', port: clamd.port }, { timeoutMs: 30_000 });
    expect(await client.ping()).toBe(true);
    expect(await client.checkVirus(Buffer.from(HAM))).toEqual({ infected: false, viruses: [] });
    expect((await client.checkVirus(Buffer.from(withBody('x', EICAR)))).viruses[0]).toMatch(
      /^Nimbus\.Test\.Eicar/,
    );
    const encoded =
      'Subject: attachment\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n' +
      `Content-Transfer-Encoding: base64\r\n\r\n${Buffer.from(`..${TEST_VIRUS}..`).toString('base64')}\r\n`;
    expect((await client.checkVirus(Buffer.from(encoded))).viruses[0]).toMatch(/^Nimbus\.Test\.Virus/);
  });

  it('spamd (SPAMC/1.5 SYMBOLS): GTUBE is spam with its rule, a normal message is not', async () => {
    const client = new SpamdClient({ host: '127.0.0.1', port: spamd.port }, { timeoutMs: 60_000 });
    const spam = await client.checkSpam(Buffer.from(withBody('x', GTUBE)), {});
    expect(spam.spam).toBe(true);
    expect(spam.score).toBeGreaterThanOrEqual(1000);
    expect(spam.symbols).toContain('GTUBE');
    const ham = await client.checkSpam(Buffer.from(HAM), {});
    expect(ham.spam).toBe(false);
    expect(ham.threshold).toBe(5);
  });

  it('rspamd (/checkv2): GTUBE is spam, a normal message is not', async () => {
    const client = new RspamdClient(`http://127.0.0.1:${rspamd.port}`, { timeoutMs: 60_000 });
    // (A public client address would score DNS failures here: rspamd has no DNS in the tests.)
    const context = {
      clientIp: '127.0.0.1',
      helo: 'client.test',
      mailFrom: 'ann@friends.test',
      recipients: ['you@rs.test'],
    };
    const spam = await client.checkSpam(Buffer.from(withBody('x', GTUBE)), context);
    expect(spam).toMatchObject({ spam: true, action: 'reject' });
    expect(spam.symbols).toContain('GTUBE');
    const ham = await client.checkSpam(Buffer.from(HAM), context);
    expect(ham).toMatchObject({ spam: false, action: 'no action' });
  });
});

describe('the MX with scanning on', () => {
  it('rejects a virus at DATA with 554 5.7.1 (av.action reject) and accepts clean mail, marked', async () => {
    expect(await deliver('you@av.test', withBody('infected', EICAR))).toMatch(
      /^554 5\.7\.1 Message rejected: virus found \(Nimbus\.Test\.Eicar/,
    );
    expect(await deliver('you@av.test', withBody('clean', 'Nothing to see.'))).toMatch(/^250 /);
    expect(await stored('you@av.test', 'clean')).toMatch(/^X-Nimbus-Virus: clean\r$/m);
  });

  it('quarantines a virus where av.action is quarantine', async () => {
    expect(await deliver('you@avq.test', withBody('quarantined virus', TEST_VIRUS))).toMatch(/^250 /);
    // No Quarantine folder in a new account: it lands in Junk, marked.
    const text = await stored('you@avq.test', 'quarantined virus', 'Junk');
    expect(text).toMatch(/^X-Nimbus-Quarantine: virus Nimbus\.Test\.Virus/m);
  });

  it('files spamd spam into Junk (spam.action junk, the default)', async () => {
    expect(await deliver('you@sa.test', withBody('cheap pills', GTUBE))).toMatch(/^250 /);
    const text = await stored('you@sa.test', 'cheap pills', 'Junk');
    expect(text).toMatch(/^X-Nimbus-Spam: Yes, score=\d+(\.\d+)? required=5 engine=spamd\r$/m);
    expect(text).toMatch(/^X-Nimbus-Spam-Symbols: .*GTUBE/m);
    expect(await deliver('you@sa.test', withBody('ham for sa', 'See you at noon.'))).toMatch(/^250 /);
    expect(await stored('you@sa.test', 'ham for sa')).toMatch(/^X-Nimbus-Spam: No,/m);
  });

  it('rejects rspamd spam at DATA with 550 5.7.1 (spam.action reject)', async () => {
    expect(await deliver('you@rs.test', withBody('spam for rs', GTUBE))).toMatch(
      /^550 5\.7\.1 Message rejected as spam/,
    );
  });

  it('only tags with spam.action tag', async () => {
    expect(await deliver('you@tag.test', withBody('tagged spam', GTUBE))).toMatch(/^250 /);
    const text = await stored('you@tag.test', 'tagged spam');
    expect(text).toMatch(/^X-Nimbus-Spam: Yes, .*engine=rspamd/m);
    expect(text).not.toMatch(/X-Nimbus-Folder/);
  });
});
