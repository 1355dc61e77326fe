import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dkimVerify } from 'mailauth';
import { OverrideResolver } from '../../core/adapters/dns/override-resolver';
import { mailauthResolver } from '../../core/security/dns-adapter';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { PostfixPeer, postfixAvailable } from '../helpers/postfix-peer';
import { freePort } from '../helpers/ports';
import { folderTexts } from '../helpers/mailbox-contents';

/**
 * Our MTA against a real Postfix (Debian) as the remote peer: Postfix accepts mail for peer.test,
 * rewrites the recipients to our users and relays them back into our MX. Clients: swaks and
 * Python's smtplib on the submission ports.
 */
const run = postfixAvailable() ? describe : describe.skip;
let node: TestNode;
let peer: PostfixPeer;
let dkimRecord: { name: string; value: string };

const inbox = (address: string) => folderTexts(node, address);

async function find(address: string, text: string, timeoutMs = 30000): Promise<string> {
  return eventually(async () => (await inbox(address)).find((m) => m.includes(text)), timeoutMs);
}

/** Runs a client program without blocking the event loop (our node runs in this process). */
const runClient = promisify(execFile);

run('relay to a real Postfix peer', () => {
  beforeAll(async () => {
    const peerPort = await freePort();
    node = await startTestNode({
      roles: 'mx,submission,delivery,mta',
      'relay.resolverOverrides': { 'peer.test': `127.0.0.1:${peerPort}` },
      'relay.retrySchedule': '1s',
      'relay.pollIntervalMs': 100,
    });
    await node.admin({ op: 'domain.add', name: 'nimbus.test' });
    await node.admin({ op: 'user.add', address: 'alice@nimbus.test', password: 'alice-secret' });
    await node.admin({ op: 'user.add', address: 'bob@nimbus.test', password: 'bob-secret' });
    const key = (await node.admin({ op: 'dkim.generate', domain: 'nimbus.test', selector: 'pf' })) as {
      dns: { name: string; value: string };
    };
    dkimRecord = key.dns;
    peer = await new PostfixPeer({
      port: peerPort,
      domain: 'peer.test',
      aliases: {
        'carol@peer.test': 'bob@nimbus.test',
        'dave@peer.test': 'bob@nimbus.test',
        'flaky@peer.test': 'bob@nimbus.test',
      },
      transports: { 'nimbus.test': `127.0.0.1:${node.ports.smtp}` },
      access: { 'flaky@peer.test': '450 4.2.0 come back later' },
    }).start();
  });

  afterAll(async () => {
    await peer?.stop();
    await node?.destroy();
  });

  test('swaks submits on 587 (STARTTLS + AUTH PLAIN); Postfix receives over TLS; DKIM verifies on arrival', async () => {
    await runClient('swaks', [
      '--server',
      '127.0.0.1',
      '--port',
      String(node.ports.submission),
      '--tls',
      '--auth',
      'PLAIN',
      '--auth-user',
      'alice@nimbus.test',
      '--auth-password',
      'alice-secret',
      '--from',
      'alice@nimbus.test',
      '--to',
      'carol@peer.test',
      '--header',
      'Subject: swaks via postfix',
      '--body',
      'hello through postfix',
    ]);
    const message = await find('bob@nimbus.test', 'Subject: swaks via postfix');
    expect(message).toMatch(/by mx\.peer\.test \(Postfix\) with ESMTPS/);
    const dns = new OverrideResolver();
    dns.setTxt(dkimRecord.name, [dkimRecord.value]);
    const verified = await dkimVerify(Buffer.from(message), { resolver: mailauthResolver(dns) as never });
    expect(verified.results[0]).toMatchObject({ signingDomain: 'nimbus.test', status: { result: 'pass' } });
  });

  test("Python's smtplib submits on 465 (implicit TLS + AUTH)", async () => {
    const script = `
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP_SSL('127.0.0.1', int(sys.argv[1]), context=ctx) as s:
    s.ehlo('python.test'); s.login('alice@nimbus.test', 'alice-secret')
    s.sendmail('alice@nimbus.test', ['dave@peer.test'],
        'From: alice@nimbus.test\\r\\nTo: dave@peer.test\\r\\nSubject: smtplib via postfix\\r\\n\\r\\nhi\\r\\n')
`;
    await runClient('python3', ['-c', script, String(node.ports.submissions)]);
    await find('bob@nimbus.test', 'Subject: smtplib via postfix');
  });

  test('Postfix 550 (unknown user) → DSN in the sender INBOX', async () => {
    await runClient('swaks', [
      '--server',
      '127.0.0.1',
      '--port',
      String(node.ports.submission),
      '--tls',
      '--auth',
      'LOGIN',
      '--auth-user',
      'alice@nimbus.test',
      '--auth-password',
      'alice-secret',
      '--from',
      'alice@nimbus.test',
      '--to',
      'nobody@peer.test',
      '--header',
      'Subject: to nobody at postfix',
    ]);
    const dsn = await find('alice@nimbus.test', 'Final-Recipient: rfc822; nobody@peer.test');
    expect(dsn).toContain('Action: failed');
    expect(dsn).toMatch(/Status: 5\.1\.1/);
    expect(dsn).toMatch(/Diagnostic-Code: smtp; 550 5\.1\.1 <nobody@peer\.test>/);
    expect(dsn).toContain('Subject: to nobody at postfix');
  });

  test('Postfix 450 for a while, then accepts: delivered after retries', async () => {
    await runClient('swaks', [
      '--server',
      '127.0.0.1',
      '--port',
      String(node.ports.submission),
      '--tls',
      '--auth-user',
      'alice@nimbus.test',
      '--auth-password',
      'alice-secret',
      '--from',
      'alice@nimbus.test',
      '--to',
      'flaky@peer.test',
      '--header',
      'Subject: flaky at postfix',
    ]);
    await eventually(
      async () =>
        (peer.log().match(/NOQUEUE: reject: RCPT from .*450 4\.2\.0 <flaky@peer\.test>/g) ?? []).length >= 2,
    );
    peer.update({ access: {} });
    await find('bob@nimbus.test', 'Subject: flaky at postfix');
    expect((await inbox('alice@nimbus.test')).some((m) => m.includes('flaky@peer.test'))).toBe(false);
  });
});
