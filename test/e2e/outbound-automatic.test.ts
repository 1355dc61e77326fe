/**
 * Mail sent on a user's behalf has hourly limits of its own (outbound.automatic.*), over real
 * sockets: past the forwards limit the copies wait in held mail and `outbound.release` sends them;
 * one vacation reply past the auto-reply limit is not sent; a second DSN to one sender within the
 * hour is not sent. Each check waits until the spool is empty, so whatever would have been sent
 * has been (every hop is enqueued before the job that caused it is acked).
 */
import nodemailer from 'nodemailer';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { folderTexts } from '../helpers/mailbox-contents';
import { SmtpSink, reply } from '../helpers/smtp-sink';

const fay = 'fay@auto.test';
const gus = 'gus@auto.test';
const ann = 'ann@auto.test';
const PW = 'automatic limits password';
let node: TestNode;
let sink: SmtpSink;

async function toMx(from: string, to: string, subject: string): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.smtp!,
    ignoreTLS: true,
  });
  await transport.sendMail({ envelope: { from, to }, from, to, subject, text: `${subject}\r\n` });
}

/** Until no job is waiting or running: every copy, reply and DSN caused so far has left. */
const settled = () =>
  eventually(async () => ((await node.admin({ op: 'queue.list' })) as unknown[]).length === 0);
const sunk = (to: string, subject: string) =>
  sink.messages.filter((m) => m.recipients.includes(to) && m.data.toString('utf8').includes(subject));

beforeAll(async () => {
  sink = await new SmtpSink().start();
  sink.onRecipient = (address) =>
    address.startsWith('nouser@') ? reply(550, '5.1.1', 'no such user') : null;
  node = await startTestNode({
    roles: 'mx,submission,delivery,mta,web',
    'relay.resolverOverrides': { 'remote.test': `127.0.0.1:${sink.port}` },
    'relay.pollIntervalMs': 100,
    'outbound.automatic.forwardsPerHour': 2,
    'outbound.automatic.autoRepliesPerHour': 1,
    'outbound.automatic.dsnsPerHour': 1,
  });
  await node.admin({ op: 'domain.add', name: 'auto.test' });
  for (const address of [fay, gus, ann]) await node.admin({ op: 'user.add', address, password: PW });
}, 120_000);

afterAll(async () => {
  await node?.destroy();
  await sink?.stop();
});

test('forwarded copies past the hourly limit wait in held mail; release sends them', async () => {
  await node.directory.forwarding.set(fay, ['fay.away@remote.test'], true);
  for (const n of [1, 2, 3]) await toMx('zoe@remote.test', fay, `forward ${n}`);
  await eventually(
    async () => (await folderTexts(node, fay)).filter((m) => m.includes('forward ')).length === 3,
  );
  await settled();
  expect([1, 2, 3].map((n) => sunk('fay.away@remote.test', `forward ${n}`).length).sort()).toEqual([0, 1, 1]);
  const held = (await node.admin({ op: 'queue.list', state: 'hold', account: fay })) as { note: string }[];
  expect(held).toHaveLength(1);
  expect(held[0].note).toMatch(/forwarding limit/);
  expect(await node.admin({ op: 'outbound.release', address: fay })).toMatchObject({ released: 1 });
  await eventually(async () =>
    [1, 2, 3].every((n) => sunk('fay.away@remote.test', `forward ${n}`).length === 1),
  );
});

test('a vacation reply past the auto-reply limit is not sent', async () => {
  await node.storage.db.query(
    `INSERT INTO jmap_vacation (account_id, is_enabled, subject, text_body)
     SELECT id, true, 'Away', 'Back on Monday' FROM accounts WHERE address = $1`,
    [gus],
  );
  await toMx('first@remote.test', gus, 'hello one');
  await toMx('second@remote.test', gus, 'hello two');
  await eventually(
    async () => (await folderTexts(node, gus)).filter((m) => m.includes('hello ')).length === 2,
  );
  await settled();
  const replies = sink.messages.filter((m) => /\r\nSubject: Away\r\n/.test(m.data.toString('utf8')));
  expect(replies).toHaveLength(1);
  expect(replies[0].mailFrom).toBe('');
});

test('a second DSN to one sender within the hour is not sent', async () => {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.submission!,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: ann, pass: PW },
  });
  for (const n of [1, 2])
    await transport.sendMail({ from: ann, to: 'nouser@remote.test', subject: `bounce ${n}`, text: 'x' });
  await eventually(async () => sink.attempts.get('nouser@remote.test') === 2);
  await settled();
  const dsns = (await folderTexts(node, ann)).filter((m) =>
    m.includes('Final-Recipient: rfc822; nouser@remote.test'),
  );
  expect(dsns).toHaveLength(1);
});
