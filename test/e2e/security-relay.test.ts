import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { SecuritySettingsStore } from '../../core/security/settings-store';
import { TestDns } from '../helpers/dns-records';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { Dialogue } from '../helpers/smtp-dialogue';

/**
 * Relay control: the classic open-relay address tricks must never make us relay, neither for an
 * outside client (127.0.0.3) nor for a friendly network (127.0.0.2) — which may relay to real
 * remote addresses and nothing else. Loopback is a whole /8 on Linux, so the client address is
 * chosen with a local bind; only 127.0.0.1 is "trusted" (the node's own networks).
 */
const OUTSIDE = '127.0.0.3';
const FRIENDLY = '127.0.0.2';

let node: TestNode;
let port: number;

beforeAll(async () => {
  node = await startTestNode(
    {
      roles: 'mx,delivery',
      'smtp.pregreetMs': 0,
      'smtp.trustedNetworks': '127.0.0.1/32',
      'smtp.allowInsecureAuth': true,
      'security.settingsCacheSeconds': 0,
    },
    { resolver: new TestDns() },
  );
  port = node.ports.smtp!;
  await node.admin({ op: 'domain.add', name: 'example.test' });
  await node.admin({ op: 'user.add', address: 'alice@example.test', password: 'alice-secret' });
  // A catch-all makes the %-hack and friends *deliverable locally*: they must land there, not relay.
  await node.admin({ op: 'user.add', address: 'catch@example.test', password: 'x' });
  await node.admin({ op: 'domain.catchall', name: 'example.test', target: 'catch@example.test' });
  await node.admin({ op: 'security.set', key: 'relay.networks', value: `${FRIENDLY}/32` });
  await node.admin({ op: 'security.set', key: 'rate.ip.messages', value: '0' });
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

async function outbound(): Promise<string[]> {
  const jobs = await node.storage.spool.list({ queue: 'outbound' });
  return jobs.flatMap((job) => job.payload.recipients.map((r) => r.address.toLowerCase()));
}

/** RCPT forms that try to reach victim@elsewhere.test through us. */
const TRICKS: { path: string; mailFrom?: string }[] = [
  { path: '<victim@elsewhere.test>' },
  { path: '<victim@ELSEWHERE.TEST>' },
  { path: '<victim@elsewhere.test.>' },
  { path: '<"victim@elsewhere.test">' },
  { path: '<victim%elsewhere.test@example.test>' },
  { path: '<"victim%elsewhere.test"@example.test>' },
  { path: '<victim%elsewhere.test@[127.0.0.1]>' },
  { path: '<elsewhere.test!victim@example.test>' },
  { path: '<elsewhere.test!victim>' },
  { path: '<victim%elsewhere.test>' },
  { path: '<victim@elsewhere.test@example.test>' },
  { path: '<"victim@elsewhere.test"@example.test>' },
  { path: '<@example.test:victim@elsewhere.test>' },
  { path: '<@example.test,@elsewhere.test:victim@elsewhere.test>' },
  { path: '<victim@[192.0.2.1]>' },
  { path: '<victim@[IPv6:2001:db8::1]>' },
  { path: '<"victim"@elsewhere.test>' },
  { path: '<victim@example.test.elsewhere.test>' },
  { path: '<victim@elsewhere.test%example.test>' },
  { path: '<victim\\@elsewhere.test@example.test>' },
  { path: 'victim@elsewhere.test' },
  { path: '<victim@elsewhere.test> NOTIFY=NEVER' },
  { path: '<victim@elsewhere.test>', mailFrom: '<>' },
  { path: '<victim@elsewhere.test>', mailFrom: '<alice@example.test>' },
  { path: '<victim@elsewhere.test>', mailFrom: '<postmaster@example.test>' },
  { path: '<victim@elsewhere.test>', mailFrom: '<@example.test:alice@example.test>' },
];

/** Tries each trick in its own transaction and sends a message whenever one is accepted. */
async function tryTricks(from: string): Promise<{ path: string; reply: string }[]> {
  const results: { path: string; reply: string }[] = [];
  for (const trick of TRICKS) {
    const d = await open(from);
    const mail = await d.command(`MAIL FROM:${trick.mailFrom ?? '<spammer@outside.test>'}`);
    if (!mail.startsWith('250')) {
      results.push({ path: trick.path, reply: mail });
      d.close();
      continue;
    }
    const rcpt = await d.command(`RCPT TO:${trick.path}`);
    results.push({ path: trick.path, reply: rcpt });
    if (rcpt.startsWith('250')) {
      expect(await d.command('DATA')).toMatch(/^354/);
      expect(await d.command(`Subject: relay test ${trick.path}\r\n\r\nbody\r\n.`)).toMatch(/^250/);
    }
    await d.command('QUIT');
    d.close();
  }
  return results;
}

describe('no open relay', () => {
  it('refuses every relay trick from an outside client, and nothing reaches the outbound queue', async () => {
    const results = await tryTricks(OUTSIDE);
    for (const { path, reply } of results) {
      // Accepted only when the address is a *local* one (the catch-all), never a remote one.
      if (reply.startsWith('250')) expect(path).toMatch(/@example\.test>$/);
      else expect(reply).toMatch(/^5\d\d /);
    }
    expect(results.find((r) => r.path === '<victim@elsewhere.test>')!.reply).toBe(
      '550 5.7.1 Relay access denied',
    );
    expect(results.find((r) => r.path === '<victim@[192.0.2.1]>')!.reply).toMatch(/^550 5\.1\.3/);
    // Everything accepted went to the local catch-all; the delivery worker forwarded nothing.
    await eventually(async () => (await node.storage.spool.list({ queue: 'inbound' })).length === 0);
    expect(await outbound()).toEqual([]);
  });

  it('lets a friendly network relay real remote addresses only — the tricks still do not relay', async () => {
    const results = await tryTricks(FRIENDLY);
    const accepted = results.filter((r) => r.reply.startsWith('250')).map((r) => r.path);
    // Genuine remote addresses (any case, trailing dot, source route stripped, null sender) relay…
    expect(accepted).toEqual(
      expect.arrayContaining([
        '<victim@elsewhere.test>',
        '<victim@ELSEWHERE.TEST>',
        '<victim@elsewhere.test.>',
        '<@example.test:victim@elsewhere.test>',
      ]),
    );
    // … but IP literals and malformed paths are refused, and %/! stay local parts.
    for (const { path, reply } of results) {
      if (/\[/.test(path) || path === '<victim@elsewhere.test@example.test>' || !path.startsWith('<')) {
        expect(reply).toMatch(/^5\d\d /);
      }
    }
    await eventually(async () => (await node.storage.spool.list({ queue: 'inbound' })).length === 0);
    const remote = await outbound();
    expect(remote.length).toBeGreaterThan(0);
    // Only genuine remote mailboxes were queued (a subdomain named like us is just another domain).
    expect([...new Set(remote)].sort()).toEqual(
      ['"victim"@elsewhere.test', 'victim@elsewhere.test', 'victim@example.test.elsewhere.test'].sort(),
    );
    for (const job of await node.storage.spool.list({ queue: 'outbound' })) {
      await node.storage.spool.remove(job.id);
    }
  });

  it('lets an authenticated user relay from anywhere', async () => {
    const d = await open(OUTSIDE);
    const token = Buffer.from('\0alice@example.test\0alice-secret').toString('base64');
    expect(await d.command(`AUTH PLAIN ${token}`)).toMatch(/^235/);
    expect(await d.command('MAIL FROM:<alice@example.test>')).toMatch(/^250/);
    expect(await d.command('RCPT TO:<friend@elsewhere.test>')).toMatch(/^250/);
    await d.command('QUIT');
    d.close();
  });

  it('applies a relay.networks change at once and shows where the value comes from', async () => {
    const d1 = await open(OUTSIDE);
    await d1.command('MAIL FROM:<x@outside.test>');
    expect(await d1.command('RCPT TO:<victim@elsewhere.test>')).toMatch(/^550 5\.7\.1/);
    d1.close();
    await node.admin({ op: 'security.set', key: 'relay.networks', value: `${FRIENDLY}/32,${OUTSIDE}` });
    const d2 = await open(OUTSIDE);
    await d2.command('MAIL FROM:<x@outside.test>');
    expect(await d2.command('RCPT TO:<victim@elsewhere.test>')).toMatch(/^250/);
    d2.close();
    // Another node (another store on the same database) sees the same setting.
    const other = new SecuritySettingsStore(node.storage.db, {}, 0);
    expect((await other.effective()).relayNetworks).toEqual([`${FRIENDLY}/32`, OUTSIDE]);
    const shown = (await node.admin({ op: 'security.show' })) as {
      settings: { key: string; source: string }[];
    };
    expect(shown.settings.find((s) => s.key === 'relay.networks')!.source).toBe('global');
    // Refused: too wide to be "friendly" (an open relay by configuration).
    await expect(
      node.admin({ op: 'security.set', key: 'relay.networks', value: '0.0.0.0/0' }),
    ).rejects.toThrow(/too wide/);
    await node.admin({ op: 'security.set', key: 'relay.networks', value: `${FRIENDLY}/32` });
  });
});

// swaks comes from Debian's package (installed by .ci/run); `npm test` alone needs only Node.
const hasSwaks = spawnSync('swaks', ['--version']).status === 0;

(hasSwaks ? describe : describe.skip)('with swaks as the client', () => {
  const swaks = promisify(execFile);
  const run = (from: string, to: string) =>
    swaks('swaks', [
      '--server',
      `127.0.0.1:${port}`,
      '--local-interface',
      from,
      '--from',
      'someone@outside.test',
      '--to',
      to,
      '--helo',
      'client.test',
      '--timeout',
      '20',
    ]).then(
      (r) => ({ code: 0, output: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, output: e.stdout }),
    );

  it('is refused relaying from outside and accepted relaying from the friendly network', async () => {
    const outside = await run(OUTSIDE, 'victim@elsewhere.test');
    expect(outside.code).not.toBe(0);
    expect(outside.output).toMatch(/<\*\* 550 5\.7\.1 Relay access denied/);
    const local = await run(OUTSIDE, 'alice@example.test');
    expect(local.code).toBe(0);
    const friendly = await run(FRIENDLY, 'victim@elsewhere.test');
    expect(friendly.code).toBe(0);
    expect(friendly.output).toMatch(/<- {2}250 2\.0\.0 Ok: queued as/);
  });
});
