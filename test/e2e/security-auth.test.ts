import { generateKeyPairSync } from 'node:crypto';
import { authenticate, dkimSign } from 'mailauth';
import { TestDns } from '../helpers/dns-records';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { freePort } from '../helpers/ports';
import { Dialogue } from '../helpers/smtp-dialogue';

/**
 * Inbound authentication (SPF, DKIM, DMARC, ARC) with every DNS answer from an override: keys we
 * generate and publish there, messages we sign with mailauth's dkimSign. 127.0.0.3 is the
 * sender.test mail server (its SPF record); 127.0.0.4 is a forger.
 */
const SENDER_IP = '127.0.0.3';
const FORGER_IP = '127.0.0.4';

function rsaKey(): { privateKey: string; dnsValue: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' }) as Buffer;
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    dnsValue: `v=DKIM1; k=rsa; p=${der.toString('base64')}`,
  };
}

const senderKey = rsaKey();
const forwarderKey = rsaKey();
const dns = new TestDns()
  .setTxt('sender.test', 'v=spf1 ip4:127.0.0.3 -all')
  .setTxt('_dmarc.sender.test', 'v=DMARC1; p=reject')
  .setTxt('sel._domainkey.sender.test', senderKey.dnsValue)
  .setTxt('quar.test', 'v=spf1 ip4:127.0.0.3 -all')
  .setTxt('_dmarc.quar.test', 'v=DMARC1; p=quarantine')
  .setTxt('nodmarc.test', 'v=spf1 ip4:127.0.0.3 -all')
  .setTxt('arc._domainkey.forwarder.test', forwarderKey.dnsValue);

let node: TestNode;
let port: number;

beforeAll(async () => {
  node = await startTestNode(
    {
      roles: 'mx,delivery',
      'smtp.pregreetMs': 0,
      'smtp.trustedNetworks': '127.0.0.1/32',
      'security.settingsCacheSeconds': 0,
      // Scanners pointed at closed ports: what happens when they are down.
      'security.clamdAddress': `127.0.0.1:${await freePort()}`,
      'security.spamdAddress': `127.0.0.1:${await freePort()}`,
      'security.scanTimeoutMs': 2000,
    },
    { resolver: dns },
  );
  port = node.ports.smtp!;
  for (const name of ['example.test', 'lenient.test', 'strict.test', 'scan.test', 'lax.test']) {
    await node.admin({ op: 'domain.add', name });
  }
  for (const address of [
    'alice@example.test',
    'lena@lenient.test',
    'sam@strict.test',
    'sue@scan.test',
    'leo@lax.test',
  ]) {
    await node.admin({ op: 'user.add', address, password: 'pw' });
  }
  await node.admin({ op: 'security.set', key: 'dmarc.enforce', value: 'off', domain: 'lenient.test' });
  await node.admin({ op: 'security.set', key: 'spf.failAction', value: 'reject', domain: 'strict.test' });
  await node.admin({ op: 'security.set', key: 'av', value: 'clamd', domain: 'scan.test' });
  await node.admin({ op: 'security.set', key: 'spam', value: 'spamd', domain: 'lax.test' });
});

afterAll(async () => {
  await node.destroy();
});

function message(from: string, subject: string, extra = ''): string {
  return (
    `From: ${from}\r\nTo: someone@example.test\r\nSubject: ${subject}\r\n` +
    `Date: ${new Date().toUTCString()}\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@test>\r\n` +
    `${extra}MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHello, this is ${subject}.\r\n`
  );
}

async function signed(raw: string): Promise<string> {
  // (mailauth's typings want top-level signingDomain/selector/privateKey; the code reads signatureData.)
  const result = await dkimSign(raw, {
    canonicalization: 'relaxed/relaxed',
    algorithm: 'rsa-sha256',
    signatureData: [{ signingDomain: 'sender.test', selector: 'sel', privateKey: senderKey.privateKey }],
  } as never);
  expect(result.errors).toEqual([]);
  expect(result.signatures).toMatch(/^DKIM-Signature: /);
  return result.signatures + raw;
}

/** One SMTP transaction from `ip`; returns the reply to the end of DATA (or the first refusal). */
async function deliver(ip: string, mailFrom: string, rcpt: string, raw: string): Promise<string> {
  const d = await Dialogue.connect(port, '127.0.0.1', ip);
  try {
    expect(await d.reply()).toMatch(/^220/);
    expect(await d.command('EHLO mail.sender.test')).toMatch(/^250/);
    const mail = await d.command(`MAIL FROM:<${mailFrom}>`);
    if (!mail.startsWith('250')) return mail;
    const to = await d.command(`RCPT TO:<${rcpt}>`);
    if (!to.startsWith('250')) return to;
    expect(await d.command('DATA')).toMatch(/^354/);
    const body = raw.replace(/\r\n\./g, '\r\n..');
    return await d.command(`${body}.`);
  } finally {
    d.close();
  }
}

async function fetch(address: string, subject: string, folder = 'INBOX'): Promise<string> {
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

describe('SPF, DKIM and DMARC', () => {
  it('passes a signed message from an authorised server and says so in Authentication-Results', async () => {
    const raw = await signed(message('Bob <bob@sender.test>', 'genuine'));
    expect(await deliver(SENDER_IP, 'bob@sender.test', 'alice@example.test', raw)).toMatch(/^250 /);
    const stored = await fetch('alice@example.test', 'genuine');
    expect(stored).toMatch(/^Authentication-Results: mx\.test\.example;/m);
    expect(stored).toMatch(/spf=pass .*smtp\.mailfrom=bob@sender\.test/);
    expect(stored).toMatch(/dkim=pass header\.i=@sender\.test header\.s=sel/);
    expect(stored).toMatch(/dmarc=pass/);
    expect(stored).toMatch(/^Received-SPF: pass/m);
  });

  it('rejects a forgery of a p=reject domain at the end of DATA with 550 5.7.1', async () => {
    const raw = message('CEO <ceo@sender.test>', 'forged');
    expect(await deliver(FORGER_IP, 'ceo@sender.test', 'alice@example.test', raw)).toBe(
      '550 5.7.1 Rejected by the DMARC policy of sender.test',
    );
  });

  it('files a p=quarantine failure into Junk', async () => {
    const raw = message('news@quar.test', 'quarantined by dmarc');
    expect(await deliver(FORGER_IP, 'news@quar.test', 'alice@example.test', raw)).toMatch(/^250 /);
    const stored = await fetch('alice@example.test', 'quarantined by dmarc', 'Junk');
    expect(stored).toMatch(/^X-Nimbus-Folder: Junk\r$/m);
    expect(stored).toMatch(/dmarc=fail/);
  });

  it('lets a domain turn DMARC enforcement off (the verdict is still recorded)', async () => {
    const raw = message('ceo@sender.test', 'lenient forgery');
    expect(await deliver(FORGER_IP, 'ceo@sender.test', 'lena@lenient.test', raw)).toMatch(/^250 /);
    const stored = await fetch('lena@lenient.test', 'lenient forgery');
    expect(stored).toMatch(/dmarc=fail/);
    expect(stored).toMatch(/spf=fail/);
  });

  it('rejects an SPF hard fail with 550 5.7.23 where spf.failAction is reject', async () => {
    const raw = message('info@nodmarc.test', 'spf fail');
    expect(await deliver(FORGER_IP, 'info@nodmarc.test', 'sam@strict.test', raw)).toBe(
      '550 5.7.23 SPF validation failed',
    );
    // The same from the authorised address passes.
    expect(await deliver(SENDER_IP, 'info@nodmarc.test', 'sam@strict.test', raw)).toMatch(/^250 /);
  });

  it('verifies an ARC chain added by a forwarder', async () => {
    const original = await signed(message('bob@sender.test', 'via a forwarder'));
    // The forwarder authenticates the original and seals it (ARC-Seal, ARC-Message-Signature, ARC-A-R).
    const sealed = await authenticate(original, {
      ip: SENDER_IP,
      helo: 'mail.sender.test',
      sender: 'bob@sender.test',
      mta: 'mx.forwarder.test',
      resolver: ((name: string, type: string) => lookup(name, type)) as never,
      seal: { signingDomain: 'forwarder.test', selector: 'arc', privateKey: forwarderKey.privateKey },
      disableBimi: true,
    });
    const arcHeaders = sealed.headers
      .split(/\r\n(?=\S)/)
      .filter((h) => /^ARC-/i.test(h))
      .join('\r\n');
    expect(arcHeaders).toMatch(/ARC-Seal: i=1/);
    const forwarded = `${arcHeaders}\r\n${original}`;
    expect(await deliver(FORGER_IP, 'bounce@forwarder.test', 'alice@example.test', forwarded)).toMatch(
      /^250 /,
    );
    const stored = await fetch('alice@example.test', 'via a forwarder');
    expect(stored).toMatch(/arc=pass/);
    // DKIM survived the forwarding, so DMARC passes despite SPF.
    expect(stored).toMatch(/dmarc=pass/);
  });
});

/** mailauth-style lookups against the same override (for the forwarder's side of the ARC test). */
async function lookup(name: string, type: string): Promise<unknown> {
  try {
    if (type === 'TXT') return (await dns.txt(name)).map((r) => [r]);
    if (type === 'A') return await dns.addresses(name);
  } catch {
    // fall through
  }
  throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
}

describe('control headers', () => {
  it('removes X-Nimbus-* fields and Authentication-Results in our name sent by the client', async () => {
    const raw = message(
      'bob@sender.test',
      'forged headers',
      'X-Nimbus-Folder: Archive\r\nX-Nimbus-Quarantine: no\r\n' +
        'Authentication-Results: mx.test.example; dkim=pass header.d=bank.test\r\n' +
        'Authentication-Results: other.example; spf=pass smtp.mailfrom=x@other.example\r\n',
    );
    expect(await deliver(SENDER_IP, 'bob@sender.test', 'alice@example.test', await signed(raw))).toMatch(
      /^250 /,
    );
    const stored = await fetch('alice@example.test', 'forged headers');
    expect(stored).not.toMatch(/X-Nimbus-Folder: Archive/);
    expect(stored).not.toMatch(/X-Nimbus-Quarantine/);
    expect(stored).not.toMatch(/header\.d=bank\.test/);
    expect(stored).toMatch(/Authentication-Results: other\.example; spf=pass/);
    // Ours is there once, on top of the message.
    expect(stored.match(/Authentication-Results: mx\.test\.example;/g)).toHaveLength(1);
  });

  it('adds nothing and looks nothing up for the trusted network', async () => {
    const before = dns.queries.length;
    const raw = message('ceo@sender.test', 'from the trusted network');
    expect(await deliver('127.0.0.1', 'ceo@sender.test', 'alice@example.test', raw)).toMatch(/^250 /);
    const stored = await fetch('alice@example.test', 'from the trusted network');
    expect(stored).not.toMatch(/Authentication-Results/);
    expect(dns.queries.length).toBe(before);
  });
});

describe('scanners that are down', () => {
  it('answers 451 4.7.0 when clamd is unreachable and av.onError is tempfail (the default)', async () => {
    const raw = message('bob@sender.test', 'unscanned virus?');
    expect(await deliver(SENDER_IP, 'bob@sender.test', 'sue@scan.test', await signed(raw))).toBe(
      '451 4.7.0 Virus scanner unavailable, try again later',
    );
  });

  it('accepts unscanned mail, marked, when spamd is unreachable and spam.onError is accept', async () => {
    const raw = message('bob@sender.test', 'unscanned spam?');
    expect(await deliver(SENDER_IP, 'bob@sender.test', 'leo@lax.test', await signed(raw))).toMatch(/^250 /);
    const stored = await fetch('leo@lax.test', 'unscanned spam?');
    expect(stored).toMatch(/^X-Nimbus-Spam: not scanned \(spamd unavailable\)/m);
  });
});
