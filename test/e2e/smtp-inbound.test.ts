import nodemailer from 'nodemailer';
import { Dialogue } from '../helpers/smtp-dialogue';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { folderMessages } from '../helpers/mailbox-contents';

let node: TestNode;
let port: number;

const inbox = (address: string) => folderMessages(node, address);

async function open(): Promise<Dialogue> {
  const d = await Dialogue.connect(port);
  expect(await d.reply()).toMatch(/^220 mx\.test\.example ESMTP/);
  return d;
}

beforeAll(async () => {
  node = await startTestNode({ 'smtp.maxMessageSize': 200_000 });
  port = node.ports.smtp!;
  await node.admin({ op: 'domain.add', name: 'example.test' });
  await node.admin({ op: 'domain.add', name: 'other.test' });
  await node.admin({ op: 'user.add', address: 'alice@example.test', password: 'alice-secret' });
  await node.admin({ op: 'user.add', address: 'bob@example.test', password: 'bob-secret' });
  await node.admin({ op: 'user.add', address: 'small@example.test', password: 'x', quotaBytes: 3000 });
  await node.admin({ op: 'user.add', address: 'postmaster@other.test', password: 'pm' });
  await node.admin({
    op: 'alias.add',
    source: 'team@example.test',
    targets: ['alice@example.test', 'bob@example.test'],
  });
  await node.admin({ op: 'domain.catchall', name: 'other.test', target: 'postmaster@other.test' });
});

afterAll(async () => {
  await node.destroy();
});

describe('accepting mail with a real client (nodemailer)', () => {
  it('delivers to the mailbox with Received, Return-Path and Delivered-To headers', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({
      from: 'sender@remote.test',
      to: 'alice@example.test',
      subject: 'Hello Alice',
      text: 'First message',
    });
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-Z]+/);
    const messages = await eventually(async () => {
      const m = await inbox('alice@example.test');
      return m.length === 1 && m;
    });
    const text = messages[0].toString('utf8');
    expect(text).toMatch(
      /^Return-Path: <sender@remote\.test>\r\nDelivered-To: alice@example\.test\r\nReceived: from /,
    );
    expect(text).toContain('([127.0.0.1])');
    expect(text).toContain('by mx.test.example (Nimbus) with ESMTP id');
    expect(text).toContain('Subject: Hello Alice');
    expect(text).toContain('First message');
  });

  it('upgrades to TLS with STARTTLS and records ESMTPS', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
    });
    await transport.sendMail({
      from: 'tls@remote.test',
      to: 'bob@example.test',
      subject: 'over TLS',
      text: 'secret',
    });
    const messages = await eventually(async () => {
      const m = await inbox('bob@example.test');
      return m.find((x) => x.includes('over TLS')) ?? null;
    });
    expect(messages.toString()).toContain('with ESMTPS id');
  });

  it('expands aliases to every target and uses the catch-all for unknown users', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
    await transport.sendMail({
      from: 'x@remote.test',
      to: 'team@example.test',
      subject: 'team note',
      text: 't',
    });
    await transport.sendMail({
      from: 'x@remote.test',
      to: 'nobody@other.test',
      subject: 'caught',
      text: 'c',
    });
    await eventually(async () => (await inbox('alice@example.test')).some((m) => m.includes('team note')));
    await eventually(async () => (await inbox('bob@example.test')).some((m) => m.includes('team note')));
    await eventually(async () => (await inbox('postmaster@other.test')).some((m) => m.includes('caught')));
  });

  it('delivers one copy per account when alias and address are both recipients', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true });
    await transport.sendMail({
      from: 'x@remote.test',
      to: ['team@example.test', 'alice@example.test'],
      subject: 'dedupe check',
      text: 'once',
    });
    await eventually(async () => (await inbox('bob@example.test')).some((m) => m.includes('dedupe check')));
    const copies = (await inbox('alice@example.test')).filter((m) => m.includes('dedupe check'));
    expect(copies).toHaveLength(1);
  });
});

describe('recipient policy', () => {
  it('refuses to relay to non-local domains (no open relay)', async () => {
    const d = await open();
    await d.command('EHLO client.test');
    expect(await d.command('MAIL FROM:<a@remote.test>')).toMatch(/^250/);
    expect(await d.command('RCPT TO:<victim@elsewhere.test>')).toBe('550 5.7.1 Relay access denied');
    for (const trick of [
      'RCPT TO:<victim%elsewhere.test@example.test>',
      'RCPT TO:<elsewhere.test!victim@example.test>',
      'RCPT TO:<@example.test:victim@elsewhere.test>',
      'RCPT TO:<"victim@elsewhere.test"@example.test>',
      'RCPT TO:<victim@[127.0.0.1]>',
      'RCPT TO:<victim@elsewhere.test.>',
      'RCPT TO:<victim@ELSEWHERE.TEST>',
    ]) {
      expect(await d.command(trick)).toMatch(/^55\d 5\./);
    }
    expect(await d.command('DATA')).toMatch(/^554 5\.5\.1/);
    d.close();
  });

  it('answers 550 5.1.1 for unknown users, 452 4.2.2 over quota, 552 5.3.4 over size', async () => {
    const d = await open();
    await d.command('EHLO client.test');
    await d.command('MAIL FROM:<a@remote.test>');
    expect(await d.command('RCPT TO:<nobody@example.test>')).toMatch(/^550 5\.1\.1/);
    await d.command('RSET');
    expect(await d.command('MAIL FROM:<a@remote.test> SIZE=5000')).toMatch(/^250/);
    expect(await d.command('RCPT TO:<small@example.test>')).toMatch(/^452 4\.2\.2/);
    await d.command('RSET');
    expect(await d.command('MAIL FROM:<a@remote.test> SIZE=300000')).toMatch(/^552 5\.3\.4/);
    expect(await d.command('MAIL FROM:<a@remote.test>')).toMatch(/^250/);
    expect(await d.command('RCPT TO:<bob@example.test>')).toMatch(/^250/);
    expect(await d.command('DATA')).toMatch(/^354/);
    d.send(`Subject: big\r\n\r\n${'x'.repeat(1000)}\r\n`.repeat(250) + '.\r\n');
    expect(await d.reply()).toMatch(/^552 5\.3\.4/);
    expect(await d.command('NOOP')).toMatch(/^250/);
    d.close();
  });
});

describe('ESMTP features', () => {
  it('advertises the extensions and answers pipelined commands in order', async () => {
    const d = await open();
    const ehlo = await d.command('EHLO client.test');
    for (const ext of [
      'PIPELINING',
      '8BITMIME',
      'SMTPUTF8',
      'ENHANCEDSTATUSCODES',
      'CHUNKING',
      'STARTTLS',
      'SIZE 200000',
    ]) {
      expect(ehlo).toContain(ext);
    }
    expect(ehlo).not.toContain('AUTH');
    d.send(
      'MAIL FROM:<p@remote.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\n',
    );
    expect(await d.reply()).toMatch(/^250 2\.1\.0/);
    expect(await d.reply()).toMatch(/^250 2\.1\.5/);
    expect(await d.reply()).toMatch(/^550 5\.1\.1/);
    expect(await d.reply()).toMatch(/^354/);
    d.send('Subject: pipelined\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n');
    expect(await d.reply()).toMatch(/^250 2\.0\.0 Ok: queued as/);
    expect(await d.reply()).toMatch(/^221/);
    const message = await eventually(async () =>
      (await inbox('alice@example.test')).find((m) => m.includes('pipelined')),
    );
    expect(message.toString()).toContain('\r\n.leading dot\r\n');
  });

  it('accepts BDAT chunks (CHUNKING) including binary-safe content', async () => {
    const d = await open();
    await d.command('EHLO client.test');
    await d.command('MAIL FROM:<c@remote.test> BODY=BINARYMIME');
    await d.command('RCPT TO:<bob@example.test>');
    const part1 = 'Subject: chunked\r\n\r\nfirst ';
    const part2 = 'second\r\n.\r\nnot the end\r\n';
    d.send(`BDAT ${Buffer.byteLength(part1)}\r\n${part1}`);
    expect(await d.reply()).toMatch(/^250 2\.0\.0 \d+ octets received/);
    d.send(`BDAT ${Buffer.byteLength(part2)} LAST\r\n${part2}`);
    expect(await d.reply()).toMatch(/^250 2\.0\.0 Ok: queued as/);
    const message = await eventually(async () =>
      (await inbox('bob@example.test')).find((m) => m.includes('chunked')),
    );
    expect(message.toString()).toContain('first second\r\n.\r\nnot the end\r\n');
    d.close();
  });

  it('accepts UTF-8 addresses and headers with SMTPUTF8', async () => {
    await node.admin({ op: 'user.add', address: 'jösé@example.test', password: 'pw' });
    const d = await open();
    await d.command('EHLO client.test');
    expect(await d.command('MAIL FROM:<renée@remote.test> SMTPUTF8')).toMatch(/^250/);
    expect(await d.command('RCPT TO:<jösé@example.test>')).toMatch(/^250/);
    await d.command('DATA');
    expect(await d.command('Subject: Grüße\r\n\r\nhallo\r\n.')).toMatch(/^250/);
    await eventually(async () => (await inbox('jösé@example.test')).some((m) => m.includes('Grüße')));
    d.close();
  });
});

describe('bad input', () => {
  it('rejects bare LF, NUL and 8-bit headers without SMTPUTF8, and keeps the session', async () => {
    const d = await open();
    await d.command('EHLO client.test');
    const attempt = async (body: string) => {
      await d.command('MAIL FROM:<b@remote.test>');
      await d.command('RCPT TO:<alice@example.test>');
      expect(await d.command('DATA')).toMatch(/^354/);
      d.send(body);
      return d.reply();
    };
    expect(await attempt('Subject: x\r\n\r\nbare\nlf\r\n.\r\n')).toMatch(/^550 5\.6\.0/);
    expect(await attempt('Subject: x\r\n\r\nnul\0byte\r\n.\r\n')).toMatch(/^550 5\.6\.0/);
    expect(await attempt('Subject: Grüße\r\n\r\nbody\r\n.\r\n')).toMatch(/^550 5\.6\.7/);
    // SMTP smuggling: <LF>.<LF> and <LF>.<CR><LF> must not end the data.
    expect(await attempt('Subject: smuggle\r\n\r\nA\n.\nMAIL FROM:<evil@x>\r\n.\r\n')).toMatch(
      /^550 5\.6\.0/,
    );
    expect(await d.command('NOOP')).toMatch(/^250/);
    d.close();
  });

  it('breaks mail loops: 554 5.4.6 at 50 Received: fields (RFC 5321 §6.3), the session goes on', async () => {
    const d = await open();
    await d.command('EHLO client.test');
    const withHops = async (hops: number, subject: string) => {
      await d.command('MAIL FROM:<b@remote.test>');
      await d.command('RCPT TO:<alice@example.test>');
      expect(await d.command('DATA')).toMatch(/^354/);
      const received = Array.from(
        { length: hops },
        (_, i) =>
          `Received: from hop${i}.remote.test by hop${i + 1}.remote.test; Sat, 28 Nov 2026 10:00:00 +0000\r\n`,
      ).join('');
      d.send(`${received}Subject: ${subject}\r\n\r\nlooping\r\n.\r\n`);
      return d.reply();
    };
    expect(await withHops(50, 'loop-50')).toMatch(/^554 5\.4\.6/);
    expect(await withHops(49, 'loop-49')).toMatch(/^250/);
    const texts = (await eventually(async () => {
      const messages = (await inbox('alice@example.test')).map((m) => m.toString('utf8'));
      return messages.some((m) => m.includes('loop-49')) && messages;
    })) as string[];
    expect(texts.some((m) => m.includes('loop-50'))).toBe(false);
    d.close();
  });

  it('answers out-of-sequence, unknown and malformed commands with 5xx and survives', async () => {
    const d = await open();
    expect(await d.command('VRFY alice')).toMatch(/^252/);
    expect(await d.command('MAIL FROM:<a@remote.test>')).toMatch(/^503 5\.5\.1/);
    await d.command('EHLO client.test');
    expect(await d.command('RCPT TO:<alice@example.test>')).toMatch(/^503 5\.5\.1/);
    expect(await d.command('DATA')).toMatch(/^503 5\.5\.1/);
    expect(await d.command('MAIL FROM:alice@example.test')).toMatch(/^501 5\.5\.4/);
    expect(await d.command('MAIL FROM:<not an address>')).toMatch(/^553 5\.1\.7/);
    expect(await d.command('MAIL FROM:<a@remote.test> FOO=BAR')).toMatch(/^555 5\.5\.4/);
    expect(await d.command('MAIL FROM:<a@remote.test>')).toMatch(/^250/);
    expect(await d.command('MAIL FROM:<a@remote.test>')).toMatch(/^503 5\.5\.1/);
    expect(await d.command('RCPT TO:<>')).toMatch(/^501/);
    expect(await d.command('XYZZY')).toMatch(/^500 5\.5\.2/);
    expect(await d.command('EXPN staff')).toMatch(/^502/);
    // That was the tenth error: the server gives up on this client.
    expect(await d.reply()).toMatch(/^421 4\.7\.0/);
    await d.waitClosed();
  });

  it('rejects over-long command lines and closes after too many errors', async () => {
    const d = await open();
    expect(await d.command(`EHLO ${'a'.repeat(5000)}`)).toMatch(/^500 5\.5\.2 Line too long/);
    expect(await d.command('NOOP')).toMatch(/^250/);
    d.send('garbage\r\n'.repeat(12));
    const replies: string[] = [];
    for (let i = 0; i < 10; i++) replies.push(await d.reply());
    expect(replies.filter((r) => r.startsWith('500'))).toHaveLength(9);
    expect(replies[replies.length - 1]).toMatch(/^421 4\.7\.0/);
    await d.waitClosed();
  });

  it('refuses AUTH without TLS and offers it after STARTTLS', async () => {
    const d = await open();
    await d.command('EHLO client.test');
    expect(await d.command('AUTH PLAIN AGFsaWNlAGFsaWNl')).toMatch(/^538 5\.7\.11/);
    d.close();
  });
});

describe('limits', () => {
  it('limits connections per client address', async () => {
    const limited = await startTestNode({ 'smtp.maxConnectionsPerIp': 2, 'smtp.trustedNetworks': [] });
    try {
      const a = await Dialogue.connect(limited.ports.smtp!);
      const b = await Dialogue.connect(limited.ports.smtp!);
      expect(await a.reply()).toMatch(/^220/);
      expect(await b.reply()).toMatch(/^220/);
      const c = await Dialogue.connect(limited.ports.smtp!);
      expect(await c.reply()).toMatch(/^421 4\.7\.0 Too many connections from your address/);
      a.close();
      b.close();
    } finally {
      await limited.destroy();
    }
  });

  it('rejects early talkers when the pregreet pause is on', async () => {
    const strict = await startTestNode({ 'smtp.pregreetMs': 300, 'smtp.trustedNetworks': [] });
    try {
      const d = await Dialogue.connect(strict.ports.smtp!);
      d.send('EHLO too.early\r\n');
      expect(await d.reply()).toMatch(/^554 5\.5\.1/);
      await d.waitClosed();
      const polite = await Dialogue.connect(strict.ports.smtp!);
      expect(await polite.reply()).toMatch(/^220/);
      polite.close();
    } finally {
      await strict.destroy();
    }
  });
});
