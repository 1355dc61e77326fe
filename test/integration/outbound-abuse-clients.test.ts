import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { nimbus } from '../helpers/node-process';
import { SmtpSink } from '../helpers/smtp-sink';

/**
 * Outbound abuse control with independent clients (issue #19): swaks and Python's smtplib submit
 * in bounded loops from loopback; message N+1 of the hour is refused with 451 4.7.1, a recipient
 * burst holds the account (accepted, not sent), and the released mail reaches the remote sink.
 * The `nimbus user hold|release|holds` and `nimbus limits` commands against the database.
 */
const runClient = promisify(execFile);
let sink: SmtpSink;
let node: TestNode;
const LIMIT = 3;

/** swaks over 587 (STARTTLS + AUTH PLAIN): its exit status and transcript. */
async function swaks(user: string, to: string, subject: string): Promise<{ ok: boolean; out: string }> {
  const args = ['--server', '127.0.0.1', '--port', String(node.ports.submission), '--tls'];
  args.push('--auth', 'PLAIN', '--auth-user', user, '--auth-password', `${user.split('@')[0]}-secret-pw`);
  args.push('--from', user, '--to', to, '--header', `Subject: ${subject}`, '--body', 'hello');
  try {
    const { stdout } = await runClient('swaks', args, { timeout: 30_000 });
    return { ok: true, out: stdout };
  } catch (error) {
    return { ok: false, out: String((error as { stdout?: string }).stdout ?? error) };
  }
}

/** smtplib over 465: `count` messages, one per loop turn; the reply code of each (or of its refusal). */
async function smtplib(user: string, recipients: string[][], subject: string): Promise<string[]> {
  const script = `
import json, smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
user, password, subject, batches = sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
out = []
with smtplib.SMTP_SSL('127.0.0.1', int(sys.argv[1]), context=ctx, timeout=20) as s:
    s.login(user, password)
    for i, rcpts in enumerate(batches):
        msg = 'From: %s\\r\\nTo: %s\\r\\nSubject: %s %d\\r\\n\\r\\nhello\\r\\n' % (user, rcpts[0], subject, i)
        try:
            s.sendmail(user, rcpts, msg); out.append('250')
        except smtplib.SMTPRecipientsRefused as e:
            code, text = list(e.recipients.values())[0]; out.append('%d %s' % (code, text.decode()))
        except smtplib.SMTPResponseException as e:
            out.append('%d %s' % (e.smtp_code, e.smtp_error.decode()))
        s.rset()
print(json.dumps(out))
`;
  const { stdout } = await runClient(
    '/usr/bin/python3',
    [
      '-c',
      script,
      String(node.ports.submissions),
      user,
      `${user.split('@')[0]}-secret-pw`,
      subject,
      JSON.stringify(recipients),
    ],
    { timeout: 60_000 },
  );
  return JSON.parse(stdout) as string[];
}

beforeAll(async () => {
  sink = await new SmtpSink().start();
  node = await startTestNode({
    roles: 'mx,submission,delivery,mta',
    'relay.resolverOverrides': { 'remote.test': `127.0.0.1:${sink.port}` },
    'relay.pollIntervalMs': 100,
    'outbound.limits.user.messagesPerHour': LIMIT,
    'outbound.signals.burstRecipients': 5,
  });
  await node.admin({ op: 'domain.add', name: 'nimbus.test' });
  for (const name of ['alice', 'bob', 'carol']) {
    await node.admin({ op: 'user.add', address: `${name}@nimbus.test`, password: `${name}-secret-pw` });
  }
});

afterAll(async () => {
  await node?.destroy();
  await sink?.stop();
});

test('swaks in a bounded loop: message N+1 of the hour is refused with 451 4.7.1', async () => {
  const results: { ok: boolean; out: string }[] = [];
  for (let i = 1; i <= LIMIT + 1; i++)
    results.push(await swaks('alice@nimbus.test', 'x@remote.test', `swaks ${i}`));
  expect(results.slice(0, LIMIT).every((r) => r.ok)).toBe(true);
  expect(results[LIMIT].ok).toBe(false);
  expect(results[LIMIT].out).toMatch(/<~?\*+ 451 4\.7\.1 /);
  await eventually(
    async () => sink.messages.filter((m) => m.data.includes('Subject: swaks')).length === LIMIT,
  );
});

test('smtplib in a bounded loop: N accepted, N+1 refused with 451 4.7.1', async () => {
  const codes = await smtplib(
    'carol@nimbus.test',
    Array.from({ length: LIMIT + 1 }, () => ['y@remote.test']),
    'py',
  );
  expect(codes.slice(0, LIMIT)).toEqual(Array(LIMIT).fill('250'));
  expect(codes[LIMIT]).toMatch(/^451 4\.7\.1 /);
});

test('smtplib: a recipient burst holds the account; held mail is released to the sink', async () => {
  const burst = Array.from({ length: 6 }, (_, i) => `b${i}@remote.test`);
  expect(await smtplib('bob@nimbus.test', [burst, ['after@remote.test']], 'bob')).toEqual(['250', '250']);
  const holds = (await node.admin({ op: 'outbound.holds' })) as {
    account: string;
    messages: number;
    reason: string;
  }[];
  expect(holds).toEqual([expect.objectContaining({ account: 'bob@nimbus.test', messages: 2 })]);
  expect(holds[0].reason).toContain('recipient burst');
  expect(sink.messages.some((m) => m.data.includes('Subject: bob'))).toBe(false);
  await node.admin({ op: 'outbound.release', address: 'bob@nimbus.test' });
  // The relay may split the recipients over several transactions: every one gets its copy.
  const reached = (subject: string) =>
    new Set(sink.messages.filter((m) => m.data.includes(`Subject: ${subject}`)).flatMap((m) => m.recipients));
  await eventually(async () => reached('bob 0').size === 6 && reached('bob 1').size === 1);
});

describe('the CLI against the database', () => {
  let dataDir: string;
  const data = () => ['--data', dataDir];
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-outbound-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('holds, lists and releases an account; sets and lists limits', () => {
    expect(nimbus([...data(), 'domain', 'add', 'cli.test']).status).toBe(0);
    expect(nimbus([...data(), 'user', 'hold', 'dave@cli.test', '--reason', 'spam report']).status).toBe(0);
    const holds = JSON.parse(nimbus([...data(), 'user', 'holds', '--json']).stdout) as { account: string }[];
    expect(holds).toEqual([
      expect.objectContaining({ account: 'dave@cli.test', reason: 'spam report', messages: 0 }),
    ]);
    expect(nimbus([...data(), 'user', 'release', 'dave@cli.test', '--purge']).status).toBe(0);
    expect(JSON.parse(nimbus([...data(), 'user', 'holds', '--json']).stdout)).toEqual([]);

    const set = nimbus([...data(), 'limits', 'set', '--domain', 'cli.test', '--messages-per-hour', '50']);
    expect(set.status).toBe(0);
    const list = JSON.parse(nimbus([...data(), 'limits', 'list', '--json']).stdout) as unknown[];
    expect(list).toEqual([{ scope: 'domain', key: 'cli.test', messagesPerHour: 50 }]);
    expect(
      nimbus([...data(), 'limits', 'set', '--user', 'a@cli.test', '--domain', 'cli.test']).status,
    ).not.toBe(0);
    expect(nimbus([...data(), 'limits', 'clear', '--domain', 'cli.test']).status).toBe(0);
  });
});
