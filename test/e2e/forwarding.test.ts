/**
 * Per-account forwarding over real sockets: set by the user over JMAP (as the webmail does),
 * honoured at delivery for local and remote targets, with SRS-rewritten envelope senders so the
 * next hop's SPF passes, and bounces to those SRS addresses routed back to the original sender.
 */
import nodemailer from 'nodemailer';
import { Dialogue } from '../helpers/smtp-dialogue';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { SmtpSink } from '../helpers/smtp-sink';
import { JmapTestClient } from '../helpers/jmap-client';
import { folderTexts } from '../helpers/mailbox-contents';

const FORWARDING = 'urn:nimbus-mail:jmap:forwarding';
const pw = 'forwarding password';
const fay = 'fay@fwd.test';
const gus = 'gus@fwd.test';
let node: TestNode;
let sink: SmtpSink;

const inbox = (address: string) => folderTexts(node, address);

const client = new JmapTestClient(() => node.ports.http, pw, [FORWARDING]);
const jmap = (user: string, calls: unknown[]) => client.call(user, calls);
const accountIdOf = (user: string) => client.accountId(user, FORWARDING);

async function sendToMx(from: string, to: string, subject: string): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.smtp!,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({ envelope: { from, to }, from, to, subject, text: `${subject}\r\n` });
}

const forwardedTo = (address: string, subject: string) =>
  sink.messages.find((m) => m.recipients.includes(address) && m.data.toString('utf8').includes(subject));

beforeAll(async () => {
  sink = await new SmtpSink().start();
  node = await startTestNode({
    roles: 'mx,submission,delivery,mta,web',
    'relay.resolverOverrides': {
      'remote.test': `127.0.0.1:${sink.port}`,
      'outside.test': `127.0.0.1:${sink.port}`,
    },
    'relay.retrySchedule': '1s',
    'relay.pollIntervalMs': 100,
  });
  await node.admin({ op: 'domain.add', name: 'fwd.test' });
  for (const address of [fay, gus]) await node.admin({ op: 'user.add', address, password: pw });
}, 120_000);

afterAll(async () => {
  await node?.destroy();
  await sink?.stop();
});

describe('forwarding set by the user over JMAP', () => {
  it('reads, validates and writes the Forwarding singleton, for the own account only', async () => {
    const accountId = await accountIdOf(fay);
    const [[, before]] = await jmap(fay, [['Forwarding/get', { accountId }, '0']]);
    expect(before.list).toEqual([{ id: 'singleton', targets: [], keepCopy: true }]);

    const [[, refused]] = await jmap(fay, [
      ['Forwarding/set', { accountId, update: { singleton: { targets: ['no way'] } } }, '0'],
    ]);
    expect(refused.notUpdated.singleton).toMatchObject({
      type: 'invalidProperties',
      properties: ['targets'],
    });

    const [[, done]] = await jmap(fay, [
      [
        'Forwarding/set',
        { accountId, update: { singleton: { targets: [gus, 'Fay.Away@remote.test'], keepCopy: true } } },
        '0',
      ],
    ]);
    expect(done.updated).toEqual({ singleton: null });
    expect(done.newState).not.toBe(done.oldState);

    // Another user cannot read or change fay's forwarding.
    const [[name, error]] = await jmap(gus, [['Forwarding/get', { accountId }, '0']]);
    expect([name, error.type]).toEqual(['error', 'accountNotFound']);
  });
});

describe('delivery honours forwarding', () => {
  it('keeps a copy, delivers to the local target and relays to the remote one with an SRS sender', async () => {
    await sendToMx('zoe@outside.test', fay, 'Forward me please');
    await eventually(async () => (await inbox(fay)).some((m) => m.includes('Forward me please')));
    await eventually(async () => (await inbox(gus)).some((m) => m.includes('Forward me please')));
    const relayed = await eventually(async () => forwardedTo('fay.away@remote.test', 'Forward me please'));
    expect(relayed.mailFrom).toMatch(/^SRS0=[^=]{4}=[A-Z2-7]{2}=outside\.test=zoe@fwd\.test$/);
    // The forwarded bytes are the message as received (DKIM signatures of the author survive).
    expect(relayed.data.toString('utf8')).toContain('From: zoe@outside.test');
  });

  it('routes a bounce to the SRS address back to the original sender; refuses forged ones', async () => {
    const srsSender = forwardedTo('fay.away@remote.test', 'Forward me please')!.mailFrom;
    const d = await Dialogue.connect(node.ports.smtp!);
    await d.reply();
    await d.command('EHLO remote.test');
    expect(await d.command('MAIL FROM:<>')).toMatch(/^250/);
    const forged = srsSender.replace(/^SRS0=[^=]{4}/, 'SRS0=zzzz');
    expect(await d.command(`RCPT TO:<${forged}>`)).toMatch(/^550 5\.1\.1/);
    expect(await d.command(`RCPT TO:<${srsSender}>`)).toMatch(/^250/);
    expect(await d.command('DATA')).toMatch(/^354/);
    expect(
      await d.command(
        'From: MAILER-DAEMON@remote.test\r\nSubject: Undeliverable: bounce-back\r\n\r\nsorry\r\n.',
      ),
    ).toMatch(/^250/);
    d.close();
    const bounce = await eventually(async () => forwardedTo('zoe@outside.test', 'bounce-back'));
    expect(bounce.mailFrom).toBe('');
  });

  it('does not rewrite senders of our own domains, and without keepCopy leaves the mailbox alone', async () => {
    await node.directory.forwarding.set(fay, ['fay.away@remote.test'], false);
    const before = (await inbox(fay)).length;
    await sendToMx(gus, fay, 'From a colleague');
    const relayed = await eventually(async () => forwardedTo('fay.away@remote.test', 'From a colleague'));
    expect(relayed.mailFrom).toBe(gus);
    expect((await inbox(fay)).length).toBe(before);
  });
});
