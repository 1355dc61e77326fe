import nodemailer from 'nodemailer';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { folderTexts } from '../helpers/mailbox-contents';
import { el, textAt } from '../../core/eas/wbxml/tree';
import { EasClient, IPHONE } from '../helpers/eas-client';
import { JmapTestClient } from '../helpers/jmap-client';
import { reply, SmtpSink } from '../helpers/smtp-sink';

/**
 * Outbound abuse control over real sockets (issue #19): submission (587, AUTH after STARTTLS)
 * refuses message N+1 of the hour with 451 4.7.1 and over the daily limit with 550 5.7.1; a
 * recipient burst holds the account (250, but kept), the user and the admin are told, and the
 * released mail reaches the remote sink.
 */
let sink: SmtpSink;
let node: TestNode;

function submitter(user: string, pass: string) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.submission,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass },
  });
}

const send = (user: string, to: string[], subject: string) =>
  submitter(user, `${user.split('@')[0]}-secret-pw`).sendMail({ from: user, to, subject, text: 'hello' });

beforeAll(async () => {
  sink = await new SmtpSink().start();
  sink.onRecipient = (address) => (address.startsWith('nouser') ? reply(550, '5.1.1', 'no such user') : null);
  node = await startTestNode({
    roles: 'mx,submission,delivery,mta,web',
    'relay.resolverOverrides': { 'remote.test': `127.0.0.1:${sink.port}` },
    'relay.pollIntervalMs': 100,
    'outbound.limits.user.messagesPerHour': 3,
    'outbound.signals.burstRecipients': 5,
    'outbound.signals.rejectsPerHour': 2,
  });
  await node.admin({ op: 'domain.add', name: 'nimbus.test' });
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
    await node.admin({ op: 'user.add', address: `${name}@nimbus.test`, password: `${name}-secret-pw` });
  }
});

afterAll(async () => {
  await node?.destroy();
  await sink?.stop();
});

test('message N+1 of the hour is refused with 451 4.7.1', async () => {
  for (let i = 1; i <= 3; i++) await send('alice@nimbus.test', ['x@remote.test'], `alice ${i}`);
  await expect(send('alice@nimbus.test', ['x@remote.test'], 'alice 4')).rejects.toMatchObject({
    responseCode: 451,
    response: expect.stringContaining('4.7.1'),
  });
  await eventually(async () => sink.messages.filter((m) => m.data.includes('Subject: alice')).length === 3);
});

test('over the daily limit (set over the admin API) the refusal is 550 5.7.1', async () => {
  await node.admin({ op: 'outbound.limits.set', scope: 'user', key: 'carol@nimbus.test', messagesPerDay: 1 });
  const audited = await node.storage.db.query<{ target: string; outcome: string }>(
    `SELECT target, outcome FROM admin_audit WHERE action = 'outbound.limits.set'`,
  );
  expect(audited.rows).toEqual([{ target: 'carol@nimbus.test', outcome: 'ok' }]);
  await send('carol@nimbus.test', ['x@remote.test'], 'carol 1');
  await expect(send('carol@nimbus.test', ['x@remote.test'], 'carol 2')).rejects.toMatchObject({
    responseCode: 550,
    response: expect.stringContaining('5.7.1'),
  });
});

test('a recipient burst holds the account; the user is told; released mail is delivered', async () => {
  const burst = Array.from({ length: 6 }, (_, i) => `burst${i}@remote.test`);
  const info = await send('bob@nimbus.test', burst, 'bob burst');
  expect(info.response).toMatch(/^250 /);
  const holds = (await node.admin({ op: 'outbound.holds' })) as { account: string; messages: number }[];
  expect(holds).toEqual([expect.objectContaining({ account: 'bob@nimbus.test', messages: 1 })]);
  // While held, more mail is accepted and kept.
  await send('bob@nimbus.test', ['later@remote.test'], 'bob later');
  await eventually(async () =>
    (await folderTexts(node, 'bob@nimbus.test')).some((m) =>
      m.includes('Subject: Your outgoing mail is on hold'),
    ),
  );
  const audit = await node.storage.db.query<{ actor: string }>(
    `SELECT actor FROM admin_audit WHERE action = 'user.hold' AND target = 'bob@nimbus.test'`,
  );
  expect(audit.rows).toHaveLength(1);
  expect(sink.messages.some((m) => m.data.includes('Subject: bob'))).toBe(false);

  expect(await node.admin({ op: 'outbound.release', address: 'bob@nimbus.test' })).toMatchObject({
    released: 2,
  });
  // The relay may split the recipients over several transactions: every one gets its copy.
  const reached = (subject: string) =>
    new Set(sink.messages.filter((m) => m.data.includes(`Subject: ${subject}`)).flatMap((m) => m.recipients));
  await eventually(async () => reached('bob burst').size === 6 && reached('bob later').size === 1);
  expect(await node.admin({ op: 'outbound.holds' })).toEqual([]);
});

test("JMAP EmailSubmission/set uses the node's configured limits: over them, rateLimit", async () => {
  // No override for dave: the node's outbound.limits.user.messagesPerHour (3) applies.
  const jmap = new JmapTestClient(() => node.ports.http!, 'dave-secret-pw', [
    'urn:ietf:params:jmap:mail',
    'urn:ietf:params:jmap:submission',
  ]);
  const dave = 'dave@nimbus.test';
  const accountId = await jmap.accountId(dave, 'urn:ietf:params:jmap:mail');
  const [[, boxes], [, ids]] = await jmap.call(dave, [
    ['Mailbox/get', { accountId }, 'm'],
    ['Identity/get', { accountId }, 'i'],
  ]);
  const drafts = boxes.list.find((m: { role: string }) => m.role === 'drafts').id;
  const submit = async (subject: string) => {
    const responses = await jmap.call(dave, [
      [
        'Email/set',
        {
          accountId,
          create: {
            m: {
              mailboxIds: { [drafts]: true },
              from: [{ email: dave }],
              to: [{ email: 'j@remote.test' }],
              subject,
              bodyValues: { b: { value: 'via JMAP' } },
              textBody: [{ partId: 'b', type: 'text/plain' }],
            },
          },
        },
        'e',
      ],
      [
        'EmailSubmission/set',
        { accountId, create: { s: { identityId: ids.list[0].id, emailId: '#m' } } },
        's',
      ],
    ]);
    return responses[1][1];
  };
  for (const n of [1, 2, 3]) expect((await submit(`jmap ${n}`)).created).toHaveProperty('s');
  expect((await submit('jmap 4')).notCreated.s).toMatchObject({ type: 'rateLimit' });
  await eventually(async () => sink.messages.some((m) => m.data.includes('Subject: jmap 1')));
});

test('ActiveSync SendMail uses the same limits (a per-user override here): over them, Status 115', async () => {
  await node.admin({ op: 'outbound.limits.set', scope: 'user', key: 'erin@nimbus.test', messagesPerHour: 1 });
  const phone = new EasClient(`http://127.0.0.1:${node.ports.http}`, 'erin@nimbus.test', 'erin-secret-pw', {
    ...IPHONE,
    deviceId: 'OutboundLimits1',
  });
  await phone.provision();
  const sendMail = (clientId: string, subject: string) =>
    phone.post(
      'SendMail',
      el(
        'ComposeMail',
        'SendMail',
        el('ComposeMail', 'ClientId', clientId),
        el(
          'ComposeMail',
          'Mime',
          Buffer.from(`From: erin@nimbus.test\r\nTo: eas@remote.test\r\nSubject: ${subject}\r\n\r\nhi\r\n`),
        ),
      ),
    );
  const first = await sendMail('o-1', 'eas 1');
  expect([first.status, first.body.length]).toEqual([200, 0]);
  const second = await sendMail('o-2', 'eas 2');
  expect(textAt(second.tree ?? undefined, 'Status')).toBe('115');
  await eventually(async () => sink.messages.some((m) => m.data.includes('Subject: eas 1')));
});

test("remote refusals of an account's mail past the threshold hold the account", async () => {
  await send(
    'frank@nimbus.test',
    ['nouser1@remote.test', 'nouser2@remote.test', 'nouser3@remote.test'],
    'frank',
  );
  await eventually(async () =>
    ((await node.admin({ op: 'outbound.holds' })) as { account: string; reason: string }[]).some(
      (h) => h.account === 'frank@nimbus.test' && h.reason.includes('refused by remote servers'),
    ),
  );
  await node.admin({ op: 'outbound.release', address: 'frank@nimbus.test', purge: true });
});
