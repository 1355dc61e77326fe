/**
 * List digests over real sockets: posts arrive by SMTP; a normal member gets each post, digest
 * members get one digest once enough posts wait (the threshold digest, so the test need not wait
 * a day): a local member reads a MIME digest (RFC 2046 §5.1.5) in its INBOX over IMAP, a remote
 * member gets it at the SMTP sink from the VERP sender, and a plain-format member gets RFC 1153.
 */
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { OverrideResolver } from '../../core/adapters/dns/override-resolver';
import { setDigestFormat, setDigestThresholds } from '../../core/lists/digest';
import { eventually, startTestNode, type TestNode } from '../helpers/in-process-node';
import { SmtpSink } from '../helpers/smtp-sink';

const LIST = 'news@digest.test';
const LOCAL = 'dora@digest.test';
const PW = 'digest member password 1';
let node: TestNode;
let sink: SmtpSink;

async function send(from: string, subject: string): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: node.ports.smtp,
    secure: false,
    ignoreTLS: true,
  });
  await transport.sendMail({
    envelope: { from, to: LIST },
    from,
    to: LIST,
    subject,
    text: `${subject} body\r\n`,
  });
}

/** The raw messages of the local member's INBOX, over IMAP. */
async function inbox(): Promise<string[]> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: node.ports.imap!,
    secure: false,
    doSTARTTLS: false,
    auth: { user: LOCAL, pass: PW },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const out: string[] = [];
      if ((client.mailbox as { exists: number }).exists === 0) return out;
      for await (const m of client.fetch('1:*', { source: true })) out.push(m.source!.toString('latin1'));
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

beforeAll(async () => {
  sink = await new SmtpSink().start();
  const resolver = new OverrideResolver({ 'remote.test': `127.0.0.1:${sink.port}` });
  node = await startTestNode(
    {
      roles: 'mx,submission,imap,delivery,mta,web',
      'imap.allowInsecureAuth': true,
      'relay.resolverOverrides': { 'remote.test': `127.0.0.1:${sink.port}` },
      'relay.retrySchedule': '1s',
      'relay.pollIntervalMs': 100,
    },
    { resolver },
  );
  await node.admin({ op: 'domain.add', name: 'digest.test' });
  await node.admin({ op: 'user.add', address: LOCAL, password: PW });
  await node.admin({ op: 'list.add', address: LIST, settings: { name: 'News' } });
  await node.admin({ op: 'list.subscribe', address: LIST, member: 'nora@remote.test' });
  await node.admin({ op: 'list.subscribe', address: LIST, member: LOCAL, deliveryMode: 'digest' });
  await node.admin({
    op: 'list.subscribe',
    address: LIST,
    member: 'rita@remote.test',
    deliveryMode: 'digest',
  });
  await node.admin({
    op: 'list.subscribe',
    address: LIST,
    member: 'pat@remote.test',
    deliveryMode: 'digest',
  });
  const { rows } = await node.storage.db.query<{ id: string }>(`SELECT id FROM lists WHERE address = $1`, [
    LIST,
  ]);
  const listId = String(rows[0].id);
  await setDigestThresholds(node.storage.db, listId, { maxPosts: 2, maxBytes: 0 });
  await setDigestFormat(node.storage.db, listId, 'pat@remote.test', 'plain');
}, 120_000);

afterAll(async () => {
  await node?.destroy();
  await sink?.stop();
});

it('normal members get each post; digest members get one digest of both', async () => {
  await send('nora@remote.test', 'Digest post one');
  await send('nora@remote.test', 'Digest post two');

  // The normal member: two separate copies.
  await eventually(async () =>
    ['one', 'two'].every((n) =>
      sink.messages.some(
        (m) =>
          m.recipients.includes('nora@remote.test') && m.data.toString('latin1').includes(`Digest post ${n}`),
      ),
    ),
  );

  // The local digest member: one MIME digest in INBOX holding both posts as message/rfc822.
  const digests = await eventually(async () => {
    const messages = await inbox();
    return messages.length > 0 ? messages : null;
  }, 30_000);
  expect(digests).toHaveLength(1);
  const digest = digests[0];
  expect(digest).toMatch(/multipart\/digest/i);
  // Each post is a part of the digest (message/rfc822, the default type inside multipart/digest).
  const boundary = /multipart\/digest;[^\r\n]*boundary="?([^";\r\n]+)"?/i.exec(
    digest.replace(/\r\n\s+/g, ' '),
  )![1];
  expect(digest.split(`--${boundary}\r\n`).length - 1).toBe(2);
  expect(digest).toContain('Digest post one');
  expect(digest).toContain('Digest post two');

  // The remote MIME digest member: one digest at the sink, from its VERP address.
  const remote = await eventually(async () =>
    sink.messages.filter((m) => m.recipients.includes('rita@remote.test')).length > 0
      ? sink.messages.filter((m) => m.recipients.includes('rita@remote.test'))
      : null,
  );
  expect(remote).toHaveLength(1);
  expect(remote[0].mailFrom).toBe('news-bounces+rita=remote.test@digest.test');
  expect(remote[0].data.toString('latin1')).toMatch(/multipart\/digest/i);

  // The plain-format member: RFC 1153 (text/plain, the posts separated by a line of 30 dashes).
  const plain = await eventually(async () =>
    sink.messages.find((m) => m.recipients.includes('pat@remote.test')),
  );
  const text = plain.data.toString('latin1');
  expect(text).not.toMatch(/multipart\/digest/i);
  expect(text).toContain('Digest post one');
  expect(text).toContain('Digest post two');
  expect(text).toMatch(/\r\n-{30}\r\n/);
});
