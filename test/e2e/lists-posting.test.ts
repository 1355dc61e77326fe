/**
 * List posting over real sockets: a member's post arrives by SMTP, fans out (the remote members
 * through the relay to a local SMTP sink, via the resolver override) with the List-* fields, a
 * per-member one-click List-Unsubscribe under the list's DKIM signature and a VERP envelope
 * sender; a post from a p=reject domain has its From rewritten; DSNs to a VERP address raise the
 * member's bounce score until delivery to it stops.
 */
import nodemailer from 'nodemailer';
import { buildDsn } from '../../core/dsn/dsn-builder';
import { OverrideResolver } from '../../core/adapters/dns/override-resolver';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { SmtpSink, type SinkMessage } from '../helpers/smtp-sink';

const LIST = 'dev@lists.test';
let node: TestNode;
let sink: SmtpSink;

async function send(from: string, to: string, subject: string, text = `${subject}\r\n`): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.smtp!,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({ envelope: { from, to }, from, to, subject, text });
}

const headerOf = (m: SinkMessage, name: string): string[] => {
  const text = m.data.toString('latin1');
  const head = text.slice(0, text.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return head
    .split('\r\n')
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim());
};
const copiesOf = (subject: string) =>
  sink.messages.filter((m) => m.data.toString('latin1').includes(subject));

beforeAll(async () => {
  sink = await new SmtpSink().start();
  // The remote members' domains lead to the sink; _dmarc answers for the authors' domains.
  const resolver = new OverrideResolver({
    'remote.test': `127.0.0.1:${sink.port}`,
    'strict.test': `127.0.0.1:${sink.port}`,
  });
  resolver.setTxt('_dmarc.strict.test', ['v=DMARC1; p=reject']);
  node = await startTestNode(
    {
      roles: 'mx,submission,delivery,mta,web',
      'relay.resolverOverrides': {
        'remote.test': `127.0.0.1:${sink.port}`,
        'strict.test': `127.0.0.1:${sink.port}`,
      },
      'relay.retrySchedule': '1s',
      'relay.pollIntervalMs': 100,
      // One hard bounce disables (the real threshold needs several days: scored once a day).
      'lists.bounceScoreThreshold': 1,
    },
    { resolver },
  );
  await node.admin({ op: 'domain.add', name: 'lists.test' });
  await node.admin({ op: 'dkim.generate', domain: 'lists.test' });
  await node.admin({
    op: 'list.add',
    address: LIST,
    settings: { name: 'Developers', subjectPrefix: '[dev]' },
  });
  for (const member of ['bob@remote.test', 'cy@remote.test', 'alice@strict.test'])
    await node.admin({ op: 'list.subscribe', address: LIST, member });
}, 120_000);

afterAll(async () => {
  await node?.destroy();
  await sink?.stop();
});

test('a member post reaches every member with List-* fields, one-click unsubscribe and a VERP sender', async () => {
  await send('bob@remote.test', LIST, 'First post');
  const copies = await eventually(async () =>
    copiesOf('First post').length === 3 ? copiesOf('First post') : null,
  );
  const cy = copies.find((m) => m.recipients.includes('cy@remote.test'))!;
  expect(cy.mailFrom).toBe('dev-bounces+cy=remote.test@lists.test');
  expect(headerOf(cy, 'List-Id')).toEqual(['"Developers" <dev.lists.test>']);
  expect(headerOf(cy, 'Subject')).toEqual(['[dev] First post']);
  expect(headerOf(cy, 'List-Unsubscribe')[0]).toMatch(
    /^<mailto:dev-leave@lists\.test\?subject=unsubscribe>, <https?:\/\/[^>]+\/webmail\/lists\/unsubscribe\/u-[0-9a-z-]+>$/,
  );
  expect(headerOf(cy, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe=One-Click']);
  const signature = headerOf(cy, 'DKIM-Signature').find(
    (s) => /\bd=lists\.test\b/.test(s) && /list-unsubscribe-post/i.test(s),
  );
  expect(signature).toBeDefined();
  expect(headerOf(cy, 'ARC-Seal')).toHaveLength(1);
  // Each member's one-click link is its own.
  const links = copies.map((m) => headerOf(m, 'List-Unsubscribe')[0]);
  expect(new Set(links).size).toBe(3);
});

test('one-click unsubscribe (RFC 8058): a POST to the link in the header removes that member only', async () => {
  const copy = await eventually(async () =>
    copiesOf('First post').find((m) => m.recipients.includes('bob@remote.test')),
  );
  const url = /<(https?:[^>]+)>/.exec(headerOf(copy, 'List-Unsubscribe')[0])![1];
  // A mailbox provider's POST: no cookie, no CSRF token, just the RFC 8058 body.
  const wrong = await fetch(url, {
    method: 'POST',
    body: 'x=y',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(wrong.status).toBe(400);
  const post = await fetch(url, {
    method: 'POST',
    body: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(post.status).toBe(200);
  const members = JSON.stringify(await node.admin({ op: 'list.members', address: LIST }));
  expect(members).not.toContain('bob@remote.test');
  expect(members).toContain('cy@remote.test');
  // Idempotent: the same link again is still a success, not an error page.
  const again = await fetch(url, {
    method: 'POST',
    body: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(again.status).toBe(200);
  await node.admin({ op: 'list.subscribe', address: LIST, member: 'bob@remote.test' });
});

test('a post from a p=reject domain goes out From the list, Reply-To the author', async () => {
  await send('alice@strict.test', LIST, 'Strict post');
  const copy = await eventually(async () =>
    copiesOf('Strict post').find((m) => m.recipients.includes('bob@remote.test')),
  );
  expect(headerOf(copy, 'From')[0]).toMatch(/via Developers" <dev@lists\.test>$/);
  expect(headerOf(copy, 'Reply-To')[0]).toContain('alice@strict.test');
});

test('a DSN to the VERP address raises the score and disables the member at the threshold', async () => {
  const verp = 'dev-bounces+cy=remote.test@lists.test';
  const dsn = buildDsn({
    reportingMta: 'mx.remote.test',
    to: verp,
    arrivalDate: new Date(),
    recipients: [
      { address: 'cy@remote.test', action: 'failed', status: '5.1.1', diagnostic: 'smtp; 550 5.1.1 unknown' },
    ],
    original: copiesOf('First post')[0].data,
  });
  const bounce = async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: node.ports.smtp!,
      secure: false,
      ignoreTLS: true,
    });
    await transport.sendMail({ envelope: { from: '', to: verp }, raw: dsn });
  };
  const member = async () => {
    const result = (await node.admin({ op: 'list.members', address: LIST })) as {
      members: { address: string; bounceScore: number; disabledReason: string | null }[];
    };
    return result.members.find((m) => m.address === 'cy@remote.test')!;
  };
  await bounce();
  await eventually(async () => (await member()).disabledReason === 'bounces');
  expect((await member()).bounceScore).toBe(1);
  // Delivery to cy stops; the other members still get posts.
  await send('bob@remote.test', LIST, 'Second post');
  await eventually(async () => copiesOf('Second post').length === 2);
  expect(copiesOf('Second post').some((m) => m.recipients.includes('cy@remote.test'))).toBe(false);
});
