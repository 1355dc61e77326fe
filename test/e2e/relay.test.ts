import { dkimVerify } from 'mailauth';
import nodemailer from 'nodemailer';
import { OverrideResolver } from '../../core/adapters/dns/override-resolver';
import { mailauthResolver } from '../../core/security/dns-adapter';
import { Dialogue } from '../helpers/smtp-dialogue';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { SmtpSink, reply } from '../helpers/smtp-sink';
import { folderTexts } from '../helpers/mailbox-contents';

/**
 * Submission → spool → relay → a remote peer we control (a scripted SMTP sink reached through the
 * resolver override): delivery, TLS, connection reuse, retries, DSNs, delay warnings, DKIM.
 */
let sink: SmtpSink;
let node: TestNode;

const inbox = (address: string) => folderTexts(node, address);

async function folder(address: string, name: string): Promise<number> {
  const account = await node.directory.getAccount(address);
  const mailbox = await node.mailboxes.getMailbox(account!.id, name);
  return (await node.mailboxes.listMessages(mailbox!.id)).length;
}

/** An outbound job as the delivery role makes them (blob reference taken), for envelope edge cases. */
async function enqueueOutbound(
  id: string,
  mailFrom: string,
  recipients: { address: string; notify?: string[]; orcpt?: string }[],
): Promise<void> {
  const blob = await node.storage.blobs.put(
    Buffer.from(`From: x@nimbus.test\r\nSubject: ${id}\r\n\r\nbody\r\n`),
  );
  await node.storage.db.query(
    `INSERT INTO blobs (key, size, refcount) VALUES ($1, $2, 1)
     ON CONFLICT (key) DO UPDATE SET refcount = blobs.refcount + 1`,
    [blob.key, blob.size],
  );
  await node.storage.spool.enqueue('outbound', id, {
    queueId: id,
    blobKey: blob.key,
    size: blob.size,
    mailFrom,
    recipients,
    receivedAt: new Date().toISOString(),
  });
}

function submitter(user = 'alice@nimbus.test', pass = 'alice-secret') {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.submission,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass },
  });
}

beforeAll(async () => {
  sink = await new SmtpSink().start();
  sink.onRecipient = (address, attempt) => {
    if (address.startsWith('flaky@')) return attempt <= 2 ? reply(451, '4.3.0', 'try again later') : null;
    if (address.startsWith('nouser@')) return reply(550, '5.1.1', 'no such user here');
    if (address.startsWith('slow@')) return reply(451, '4.4.5', 'system busy');
    return null;
  };
  node = await startTestNode({
    roles: 'mx,submission,delivery,mta',
    'relay.resolverOverrides': {
      'remote.test': `127.0.0.1:${sink.port}`,
      'other.test': `127.0.0.1:${sink.port}`,
    },
    'relay.retrySchedule': '1s',
    'relay.lifetime': '8s',
    'relay.delayWarningAfter': '3s',
    'relay.pollIntervalMs': 100,
  });
  await node.admin({ op: 'domain.add', name: 'nimbus.test' });
  await node.admin({ op: 'user.add', address: 'alice@nimbus.test', password: 'alice-secret' });
  await node.admin({ op: 'user.add', address: 'bob@nimbus.test', password: 'bob-secret' });
  await node.admin({ op: 'alias.add', source: 'sales@nimbus.test', targets: ['alice@nimbus.test'] });
});

afterAll(async () => {
  await node?.destroy();
  await sink?.stop();
});

describe('submission', () => {
  test('587 offers AUTH only after STARTTLS, and refuses AUTH in clear text', async () => {
    const d = await Dialogue.connect(node.ports.submission!);
    expect(await d.reply()).toMatch(/^220 /);
    const ehlo = await d.command('EHLO client.test');
    expect(ehlo).toContain('STARTTLS');
    expect(ehlo).not.toContain('AUTH');
    expect(await d.command('AUTH PLAIN AGFsaWNlQG5pbWJ1cy50ZXN0AGFsaWNlLXNlY3JldA==')).toMatch(
      /^538 5\.7\.11/,
    );
    expect(await d.command('MAIL FROM:<alice@nimbus.test>')).toMatch(/^530 5\.7\.0/);
    d.close();
  });

  test('465 implicit TLS with AUTH LOGIN delivers locally', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: node.ports.submissions,
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'alice@nimbus.test', pass: 'alice-secret' },
      authMethod: 'LOGIN',
    });
    await transport.sendMail({
      from: 'alice@nimbus.test',
      to: 'bob@nimbus.test',
      subject: 'via 465',
      text: 'hi',
    });
    await eventually(async () =>
      (await inbox('bob@nimbus.test')).some((m) => m.includes('Subject: via 465')),
    );
    transport.close();
  });

  test('wrong password is refused', async () => {
    await expect(
      submitter('alice@nimbus.test', 'wrong').sendMail({
        from: 'alice@nimbus.test',
        to: 'x@remote.test',
        text: 'x',
      }),
    ).rejects.toMatchObject({ responseCode: 535 });
  });

  test('envelope sender and From: must belong to the account (553 5.7.1); aliases are allowed', async () => {
    const t = submitter();
    await expect(
      t.sendMail({
        envelope: { from: 'bob@nimbus.test', to: 'bob@nimbus.test' },
        from: 'alice@nimbus.test',
        text: 'x',
      }),
    ).rejects.toMatchObject({ responseCode: 553, response: expect.stringMatching(/5\.7\.1/) });
    await expect(
      t.sendMail({
        envelope: { from: 'alice@nimbus.test', to: 'bob@nimbus.test' },
        from: 'ceo@nimbus.test',
        text: 'x',
      }),
    ).rejects.toMatchObject({ responseCode: 553, response: expect.stringMatching(/5\.7\.1/) });
    await t.sendMail({ from: 'sales@nimbus.test', to: 'bob@nimbus.test', subject: 'from alias', text: 'x' });
    await eventually(async () =>
      (await inbox('bob@nimbus.test')).some((m) => m.includes('Subject: from alias')),
    );
    t.close();
  });
});

describe('relay', () => {
  test('remote delivery over STARTTLS, DKIM-signed, copy in Sent, one connection for several messages', async () => {
    const key = (await node.admin({ op: 'dkim.generate', domain: 'nimbus.test', selector: 's1' })) as {
      dns: { name: string; value: string };
    };
    expect(key.dns.name).toBe('s1._domainkey.nimbus.test');
    const sentBefore = await folder('alice@nimbus.test', 'Sent');
    const sessionsBefore = sink.sessions.size;
    const t = submitter();
    for (let i = 0; i < 3; i++) {
      await t.sendMail({
        from: 'alice@nimbus.test',
        to: `carol${i}@remote.test`,
        subject: `relayed ${i}`,
        text: 'hello',
      });
    }
    t.close();
    await eventually(async () => [0, 1, 2].every((i) => sink.for(`carol${i}@remote.test`).length === 1));
    const received = sink.for('carol0@remote.test')[0];
    expect(received.mailFrom).toBe('alice@nimbus.test');
    expect(received.secure).toBe(true);
    expect(sink.sessions.size - sessionsBefore).toBeLessThan(3);
    const dns = new OverrideResolver();
    dns.setTxt(key.dns.name, [key.dns.value]);
    const verified = await dkimVerify(received.data, { resolver: mailauthResolver(dns) as never });
    expect(verified.results[0]).toMatchObject({ signingDomain: 'nimbus.test', status: { result: 'pass' } });
    expect(await folder('alice@nimbus.test', 'Sent')).toBe(sentBefore + 3);
  });

  test('4xx then success: retried on the schedule and delivered once', async () => {
    await submitter().sendMail({
      from: 'alice@nimbus.test',
      to: 'flaky@remote.test',
      subject: 'flaky',
      text: 'x',
      dsn: { notify: ['FAILURE'], id: 'env-flaky' } as never,
    });
    await eventually(async () => sink.for('flaky@remote.test').length === 1, 20000);
    expect(sink.attempts.get('flaky@remote.test')).toBe(3);
    expect(sink.for('flaky@remote.test')[0].dsn.envid).toBe('env-flaky');
  });

  test('5xx → RFC 3464 DSN in the sender INBOX, with ENVID and RET=HDRS honoured', async () => {
    await submitter().sendMail({
      from: 'alice@nimbus.test',
      to: 'nouser@remote.test',
      subject: 'to nobody',
      text: 'body that must not come back',
      dsn: {
        id: 'env-550',
        return: 'headers',
        notify: ['FAILURE'],
        recipient: 'orig-nouser@remote.test',
      } as never,
    });
    const dsn = await eventually(async () =>
      (await inbox('alice@nimbus.test')).find((m) =>
        m.includes('Final-Recipient: rfc822; nouser@remote.test'),
      ),
    );
    expect(dsn).toMatch(/^Return-Path: <>/m);
    expect(dsn).toMatch(/Content-Type: multipart\/report; report-type=delivery-status/);
    expect(dsn).toMatch(/From: Mail Delivery System <MAILER-DAEMON@mx\.test\.example>/);
    expect(dsn).toContain('Original-Envelope-Id: env-550');
    expect(dsn).toContain('Action: failed');
    expect(dsn).toContain('Status: 5.1.1');
    expect(dsn).toMatch(/Diagnostic-Code: smtp; 550 5\.1\.1 no such user here/);
    expect(dsn).toContain('Content-Type: text/rfc822-headers');
    expect(dsn).toContain('Subject: to nobody');
    expect(dsn).not.toContain('body that must not come back');
  });

  test('always 4xx → delay warning after 3 s, then a failure DSN on expiry', async () => {
    await submitter().sendMail({
      from: 'alice@nimbus.test',
      to: 'slow@remote.test',
      subject: 'slow one',
      text: 'x',
    });
    const delayed = await eventually(
      async () =>
        (await inbox('alice@nimbus.test')).find(
          (m) => m.includes('Final-Recipient: rfc822; slow@remote.test') && m.includes('Action: delayed'),
        ),
      20000,
    );
    expect(delayed).toContain('Will-Retry-Until:');
    expect(delayed).toContain('Status: 4.4.5');
    const failed = await eventually(
      async () =>
        (await inbox('alice@nimbus.test')).find(
          (m) => m.includes('Final-Recipient: rfc822; slow@remote.test') && m.includes('Action: failed'),
        ),
      30000,
    );
    expect(failed).toContain('Status: 4.4.7');
    expect(failed).toContain('Content-Type: message/rfc822');
    expect(failed).toContain('delivery time expired');
    const delays = (await inbox('alice@nimbus.test')).filter(
      (m) => m.includes('slow@remote.test') && m.includes('Action: delayed'),
    );
    expect(delays).toHaveLength(1);
    expect(await node.storage.spool.list({ queue: 'outbound' })).toHaveLength(0);
  }, 60000);

  test('per-recipient NOTIFY and ORCPT: passed on to the peer, Original-Recipient in the DSN, NEVER honoured', async () => {
    await enqueueOutbound('ORCPT1', 'alice@nimbus.test', [
      { address: 'dave@other.test', orcpt: 'rfc822;dave@old.test', notify: ['FAILURE'] },
    ]);
    await enqueueOutbound('ORCPT2', 'alice@nimbus.test', [
      { address: 'nouser@remote.test', orcpt: 'rfc822;former@old.test' },
    ]);
    await enqueueOutbound('NEVER1', 'alice@nimbus.test', [
      { address: 'nouser@other.test', notify: ['NEVER'] },
    ]);
    await eventually(async () => sink.for('dave@other.test').length === 1);
    expect(sink.for('dave@other.test')[0]).toMatchObject({
      orcpt: ['rfc822;dave@old.test'],
      notify: [['FAILURE']],
    });
    const dsn = await eventually(async () =>
      (await inbox('alice@nimbus.test')).find((m) =>
        m.includes('Original-Recipient: rfc822; former@old.test'),
      ),
    );
    expect(dsn).toContain('Final-Recipient: rfc822; nouser@remote.test');
    await eventually(async () => (await node.storage.spool.get('NEVER1')) === null);
    expect(
      (await inbox('alice@nimbus.test')).some((m) =>
        m.includes('Final-Recipient: rfc822; nouser@other.test'),
      ),
    ).toBe(false);
  });

  test('never a bounce to the null sender', async () => {
    const inboundBefore = (await node.storage.spool.list({ queue: 'inbound' })).length;
    await enqueueOutbound('NULLSENDER1', '', [{ address: 'nouser@other.test' }]);
    await eventually(async () => (await node.storage.spool.get('NULLSENDER1')) === null);
    expect(sink.attempts.get('nouser@other.test')).toBe(2);
    expect((await node.storage.spool.list({ queue: 'inbound' })).length).toBe(inboundBefore);
  });
});
