/**
 * Joining and moderation over real sockets: LIST-join@ starts a double opt-in whose confirmation
 * is answered by mail (a reply to LIST-confirm+TOKEN@) or by the web link (GET shows, POST
 * confirms); a non-member's post is held, the moderator approves it over the admin API and it
 * reaches the members; a forged confirmation link changes nothing.
 */
import nodemailer from 'nodemailer';
import { OverrideResolver } from '../../core/adapters/dns/override-resolver';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { SmtpSink, type SinkMessage } from '../helpers/smtp-sink';

const LIST = 'club@join.test';
let node: TestNode;
let sink: SmtpSink;

async function send(from: string, to: string, subject: string, text = `${subject}\r\n`): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({ envelope: { from, to }, from, to, subject, text });
}

const to = (address: string) => sink.messages.filter((m) => m.recipients.includes(address));
/** The message as text, a base64 body decoded (notices are sent as UTF-8 in base64). */
function text(m: SinkMessage): string {
  const raw = m.data.toString('latin1');
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  return /^content-transfer-encoding:\s*base64/im.test(head)
    ? `${head}\r\n\r\n${Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')}`
    : raw.replace(/=\r\n/g, '');
}
const members = async () => JSON.stringify(await node.admin({ op: 'list.members', address: LIST }));

beforeAll(async () => {
  sink = await new SmtpSink().start();
  const resolver = new OverrideResolver({ 'remote.test': `127.0.0.1:${sink.port}` });
  node = await startTestNode(
    {
      roles: 'mx,submission,delivery,mta,web',
      'relay.resolverOverrides': { 'remote.test': `127.0.0.1:${sink.port}` },
      'relay.retrySchedule': '1s',
      'relay.pollIntervalMs': 100,
    },
    { resolver },
  );
  await node.admin({ op: 'domain.add', name: 'join.test' });
  await node.admin({
    op: 'list.add',
    address: LIST,
    settings: { name: 'Club' },
    moderators: ['mod@remote.test'],
  });
  await node.admin({ op: 'list.subscribe', address: LIST, member: 'old@remote.test' });
}, 120_000);

afterAll(async () => {
  await node?.destroy();
  await sink?.stop();
});

it('joins by mail: the confirmation is answered by a reply to its LIST-confirm+TOKEN address', async () => {
  await send('eve@remote.test', 'club-join@join.test', 'join');
  const notice = await eventually(async () => to('eve@remote.test').find((m) => /confirm/i.test(text(m))));
  const reply = /(club-confirm\+[^\s>@]+@join\.test)/.exec(text(notice))![1];
  expect(await members()).not.toContain('eve@remote.test');
  await send('eve@remote.test', reply, 'Re: confirm');
  await eventually(async () => (await members()).includes('eve@remote.test'));
});

it('joins by the web link: GET shows a button, POST confirms; a forged token is refused', async () => {
  await send('fred@remote.test', 'club-join@join.test', 'join');
  const notice = await eventually(async () => to('fred@remote.test').find((m) => /confirm/i.test(text(m))));
  const url = /(https?:\/\/\S+\/webmail\/lists\/confirm\/[0-9a-z-]+)/.exec(text(notice))![1];
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('fred@remote.test');
  expect(
    (
      await fetch(
        url.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
        { method: 'POST' },
      )
    ).status,
  ).toBe(404);
  expect(await members()).not.toContain('fred@remote.test');
  const confirmed = await fetch(url, {
    method: 'POST',
    body: 'confirm=yes',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(confirmed.status).toBe(200);
  expect(await members()).toContain('fred@remote.test');
});

it('subscribes from the public web form: one confirmation, the link confirms; bad input is a 400', async () => {
  const form = `http://127.0.0.1:${node.ports.http}/webmail/lists/${encodeURIComponent(LIST)}/subscribe`;
  const shown = await fetch(form);
  expect(shown.status).toBe(200);
  expect(await shown.text()).toContain('name="address"');
  const post = (address: string) =>
    fetch(form, {
      method: 'POST',
      body: new URLSearchParams({ address }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  expect((await post('not an address')).status).toBe(400);
  expect((await fetch(form.replace('club%40', 'nope%40'))).status).toBe(404);
  const first = await post('gil@remote.test');
  expect(first.status).toBe(200);
  expect(await first.text()).toContain('Check your mail');
  // A second request soon after sends nothing more; a member gets the same page and no mail.
  expect((await post('GIL@remote.test')).status).toBe(200);
  expect((await post('old@remote.test')).status).toBe(200);
  const notice = await eventually(async () => to('gil@remote.test').find((m) => /confirm/i.test(text(m))));
  const url = /(https?:\/\/\S+\/webmail\/lists\/confirm\/[0-9a-z-]+)/.exec(text(notice))![1];
  const confirmed = await fetch(url, {
    method: 'POST',
    body: 'confirm=yes',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(confirmed.status).toBe(200);
  expect(await members()).toContain('gil@remote.test');
  expect(to('gil@remote.test').filter((m) => /confirm/i.test(text(m)))).toHaveLength(1);
  expect(to('old@remote.test').some((m) => /confirm/i.test(text(m)))).toBe(false);
});

it("a non-member's post is held; approved over the admin API, it reaches the members", async () => {
  await send('stranger@remote.test', LIST, 'Held for approval');
  const held = await eventually(async () => {
    const list = (await node.admin({ op: 'list.held', address: LIST })) as
      { id: string | number; subject?: string }[] | { held: { id: string | number }[] };
    const rows = Array.isArray(list) ? list : list.held;
    return rows.length > 0 ? rows : null;
  });
  // The moderator was told, and no member got the post yet.
  await eventually(async () => to('mod@remote.test').length > 0);
  expect(to('old@remote.test').some((m) => text(m).includes('Held for approval'))).toBe(false);
  await node.admin({ op: 'list.approve', address: LIST, id: String(held[0].id) });
  await eventually(async () => to('old@remote.test').some((m) => text(m).includes('Held for approval')));
  await eventually(async () => to('eve@remote.test').some((m) => text(m).includes('Held for approval')));
});
