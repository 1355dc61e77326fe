/**
 * ETRN with real clients and a two-node cluster. Debian's `fetchmail --protocol ETRN` and
 * Python's smtplib (`docmd('ETRN', …)`) ask the MX to start the queue of a relay domain; the
 * released mail reaches a local SMTP peer. Two in-process nodes share one PostgreSQL database
 * and one blob directory: node A (mx, delivery) accepts, node B (mx, mta) holds the mail in its
 * relay role, receives the ETRN on its MX and delivers.
 *
 * Needs PostgreSQL (NIMBUS_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres),
 * fetchmail and /usr/bin/python3.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { HeldMail } from '../../core/spool/held-mail';
import { nimbus } from '../helpers/node-process';
import { Dialogue } from '../helpers/smtp-dialogue';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { SmtpSink } from '../helpers/smtp-sink';

const ADMIN_URL = process.env.NIMBUS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let dbName: string;
let dbUrl: string;
let blobDir: string;
let sink: SmtpSink;
let nodeA: TestNode;
let nodeB: TestNode;
let held: HeldMail;

function run(file: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: 60_000, env: { ...process.env, HOME: blobDir } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
  });
}

async function send(port: number, to: string, subject: string): Promise<void> {
  const d = await Dialogue.connect(port);
  expect(await d.reply()).toMatch(/^220 /);
  expect(await d.command('EHLO client.test')).toMatch(/^250/);
  expect(await d.command('MAIL FROM:<sender@far.test>')).toMatch(/^250/);
  expect(await d.command(`RCPT TO:<${to}>`)).toMatch(/^250/);
  expect(await d.command('DATA')).toMatch(/^354/);
  expect(await d.command(`From: sender@far.test\r\nSubject: ${subject}\r\n\r\nbody\r\n.`)).toMatch(/^250/);
  await d.command('QUIT');
}

const received = (subject: string) => sink.messages.filter((m) => m.data.toString().includes(subject));
const heldFor = (domain: string) => held.count({ reason: 'relay-domain', domain });

const PYTHON = `
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='client.test')
s.ehlo()
print('ETRN-ADVERTISED', s.has_extn('etrn'))
for arg in sys.argv[2:]:
    code, msg = s.docmd('ETRN', arg)
    print('REPLY', code, msg.decode())
s.quit()
`;

beforeAll(async () => {
  dbName = `nimbus_etrn_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  dbUrl = url.toString();
  blobDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-etrn-'));
  sink = await new SmtpSink().start();
  const shared = {
    databaseUrl: dbUrl,
    blobs: `file://${path.join(blobDir, 'blobs')}`,
    'relay.pollIntervalMs': 100,
  };
  nodeA = await startTestNode({ ...shared, roles: 'mx,delivery', hostname: 'a.test.example' });
  nodeB = await startTestNode({ ...shared, roles: 'mx,mta', hostname: 'b.test.example' });
  await nodeA.admin({
    op: 'relayDomain.add',
    name: 'hold.test',
    mode: 'hold',
    deliverTo: `127.0.0.1:${sink.port}`,
    etrnNetworks: ['127.0.0.1/32'],
  });
  await nodeA.admin({
    op: 'relayDomain.add',
    name: 'closed.test',
    mode: 'hold',
    etrnNetworks: ['10.9.9.9/32'],
  });
  held = new HeldMail(nodeA.storage.db);
}, 120_000);

afterAll(async () => {
  await nodeA?.destroy();
  await nodeB?.destroy();
  await sink?.stop();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
  rmSync(blobDir, { recursive: true, force: true });
});

describe('two nodes, one database', () => {
  it('mail accepted on node A is held by node B and released by ETRN through node B (fetchmail)', async () => {
    await send(nodeA.ports.smtp!, 'user@hold.test', 'cluster-fetchmail');
    await eventually(async () => (await heldFor('hold.test')) === 1, 30_000);
    expect(received('cluster-fetchmail')).toHaveLength(0);
    const result = await run('fetchmail', [
      '--protocol',
      'ETRN',
      '--port',
      String(nodeB.ports.smtp),
      '--fetchdomains',
      'hold.test',
      '--verbose',
      '--nosyslog',
      '127.0.0.1',
    ]);
    expect(result.out).toMatch(/ETRN hold\.test/);
    expect(result.out).toMatch(/253 .*1 pending messages for node hold\.test started/);
    await eventually(async () => received('cluster-fetchmail').length === 1, 30_000);
    expect(await heldFor('hold.test')).toBe(0);
  });

  it('Python smtplib docmd: 253 on node B for mail from node A, then 251, 459 for a closed domain, 501', async () => {
    await send(nodeA.ports.smtp!, 'user@hold.test', 'cluster-python');
    await eventually(async () => (await heldFor('hold.test')) === 1, 30_000);
    const result = await run('/usr/bin/python3', [
      '-c',
      PYTHON,
      String(nodeB.ports.smtp),
      'hold.test',
      'hold.test',
      'closed.test',
      'bad_name!',
    ]);
    expect(result.code).toBe(0);
    const replies = result.out.split('\n').filter((l) => l.startsWith('REPLY'));
    expect(result.out).toContain('ETRN-ADVERTISED True');
    expect(replies.map((l) => l.split(' ')[1])).toEqual(['253', '251', '459', '501']);
    await eventually(async () => received('cluster-python').length === 1, 30_000);
  });
});

describe('the CLI on the cluster database', () => {
  const cli = (...args: string[]) => nimbus(['--data', blobDir, ...args], { env: { DATABASE_URL: dbUrl } });

  it('relay-domain add|list|show|remove, queue list --state hold --domain, queue flush', async () => {
    expect(
      cli(
        'relay-domain',
        'add',
        'cli.test',
        '--hold',
        '--deliver-to',
        `127.0.0.1:${sink.port}`,
        '--recipient',
        'in@cli.test',
      ),
    ).toMatchObject({ status: 0 });
    expect(cli('relay-domain', 'add', 'not a domain').status).toBe(5);
    expect(cli('relay-domain', 'add', 'x.test', '--deliver-to', 'nohostport').status).toBe(5);
    const listed = JSON.parse(cli('relay-domain', 'list', '--json').stdout) as { name: string }[];
    expect(listed.map((d) => d.name)).toEqual(['cli.test', 'closed.test', 'hold.test']);
    expect(cli('relay-domain', 'show', 'cli.test').stdout).toMatch(
      /cli\.test\thold\tdeliver to 127\.0\.0\.1:\d+\theld=0/,
    );

    // RCPT caches relay-domain lookups for 5 s: wait for node A to see the new domain.
    await eventually(
      async () => {
        const d = await Dialogue.connect(nodeA.ports.smtp!);
        await d.reply();
        await d.command('EHLO client.test');
        await d.command('MAIL FROM:<sender@far.test>');
        const answer = await d.command('RCPT TO:<in@cli.test>');
        await d.command('QUIT');
        return answer.startsWith('250');
      },
      30_000,
      500,
    );
    await send(nodeA.ports.smtp!, 'in@cli.test', 'cli-flush');
    await eventually(async () => (await heldFor('cli.test')) === 1, 30_000);
    const heldList = cli('queue', 'list', '--state', 'hold', '--domain', 'cli.test');
    expect(heldList.status).toBe(0);
    expect(heldList.stdout).toMatch(
      /\thold\trelay-domain:cli\.test\t.*<sender@far\.test> → in@cli\.test\trelay domain: held until ETRN/,
    );
    expect(cli('queue', 'flush', 'cli.test').stdout).toMatch(/^1 held messages of cli\.test released/);
    await eventually(async () => received('cli-flush').length === 1, 30_000);
    expect(cli('queue', 'list', '--state', 'hold', '--domain', 'cli.test').stdout).toMatch(
      /no held messages/,
    );
    expect(cli('relay-domain', 'remove', 'cli.test')).toMatchObject({ status: 0 });
    expect(cli('relay-domain', 'remove', 'cli.test').status).toBe(3);
  });
});
