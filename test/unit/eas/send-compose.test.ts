/**
 * Composing and checking outgoing ActiveSync mail (core/eas/send): the reply/forward body the
 * server completes (quoting in text and HTML, the forwarded attachments, threading fields,
 * ReplaceMime, bare LF from devices) and the submission checks against a real directory on
 * PGlite (own address and aliases may send, others not; recipients; Bcc kept out of the wire).
 */
import fc from 'fast-check';
import { PgliteDatabase } from '../../../core/adapters/pglite/pglite-database';
import { runMigrations } from '../../../core/db/migrate';
import { Directory } from '../../../core/directory/directory';
import { composeSmart } from '../../../core/eas/send/compose';
import { messageParts, toCrlf } from '../../../core/eas/send/mime-parts';
import type { OriginalMessage } from '../../../core/eas/send/original';
import { ComposeError } from '../../../core/eas/send/status';
import { prepareOutgoing } from '../../../core/eas/send/submit';
import { parseMessageStructure } from '../../../core/mime';

/** Decoded text with CRLF line ends read as LF. */
const lf = (s: string | null) => (s ?? '').replace(/\r\n/g, '\n');
const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

function original(raw: Buffer): OriginalMessage {
  return { mailboxId: 1, uid: 1, flags: [], raw, structure: parseMessageStructure(raw) };
}

const ORIGINAL = original(
  crlf(`From: Bob <bob@x.test>
To: ann@x.test
Subject: Plans
Date: Thu, 03 Dec 2026 10:00:00 +0000
Message-ID: <orig@x.test>
References: <root@x.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: multipart/alternative; boundary="b2"

--b2
Content-Type: text/plain; charset=utf-8

First line
Second line
--b2
Content-Type: text/html; charset=utf-8

<html><body><p>First <b>line</b></p></body></html>
--b2--
--b1
Content-Type: application/pdf; name="plan.pdf"
Content-Disposition: attachment; filename="plan.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--b1--
`),
);

const DEVICE_TEXT = crlf(`From: ann@x.test
To: bob@x.test
Subject: Re: Plans
Content-Type: text/plain; charset=utf-8

Sounds good
`);

describe('composeSmart', () => {
  it('quotes the original below a text reply and threads it', async () => {
    const out = await composeSmart('reply', DEVICE_TEXT, ORIGINAL, false);
    const parts = messageParts(out);
    expect(lf(parts.text)).toMatch(
      /^Sounds good\n\nOn Thu, 03 Dec 2026 10:00:00 \+0000, Bob <bob@x\.test> wrote:\n> First line\n> Second line/,
    );
    // The original had HTML: the reply gets an HTML alternative with the original quoted.
    expect(parts.html).toContain('<blockquote type="cite"');
    expect(parts.html).toContain('<p>First <b>line</b></p>');
    expect(parts.attachments).toEqual([]);
    const head = out.subarray(0, parseMessageStructure(out).headerSize).toString();
    expect(head).toMatch(/^In-Reply-To: <orig@x\.test>\r$/m);
    expect(head).toMatch(/^References: <root@x\.test> <orig@x\.test>\r$/m);
    expect(head).toMatch(/^Subject: Re: Plans\r$/m);
    expect(head.match(/^Content-Type:/gim)).toHaveLength(1);
  });

  it("forwards the original's text and attachments after the device's part", async () => {
    const device = crlf(`From: ann@x.test
To: cat@x.test
Subject: Fw: Plans
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="d"

--d
Content-Type: text/html; charset=utf-8

<html><body><p>See below</p></body></html>
--d
Content-Type: text/plain; name="note.txt"
Content-Disposition: attachment; filename="note.txt"

my note
--d--
`);
    const out = await composeSmart('forward', device, ORIGINAL, false);
    const parts = messageParts(out);
    expect(parts.html).toMatch(
      /<p>See below<\/p>[\s\S]*-----Original Message-----[\s\S]*<p>First <b>line<\/b><\/p>[\s\S]*<\/body>/,
    );
    expect(lf(parts.text)).toContain('-----Original Message-----\nFrom: Bob <bob@x.test>');
    expect(lf(parts.text)).toContain('Subject: Plans\n\nFirst line\nSecond line');
    expect(parts.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([
      ['note.txt', 'my note'],
      ['plan.pdf', '%PDF-1.4\n'],
    ]);
    const head = out.subarray(0, parseMessageStructure(out).headerSize).toString();
    expect(head).not.toMatch(/^In-Reply-To:/im);
    expect(head).toMatch(/^References: <root@x\.test> <orig@x\.test>\r$/m);
  });

  it('with ReplaceMime keeps the device message and only adds missing threading fields', async () => {
    const device = crlf(
      'From: ann@x.test\nTo: bob@x.test\nIn-Reply-To: <own@x.test>\nSubject: Re\n\nedited\n',
    );
    const out = await composeSmart('reply', device, ORIGINAL, true);
    expect(out.toString()).toBe(`References: <root@x.test> <orig@x.test>\r\n${device.toString()}`);
  });

  it('turns bare LF and CR into CRLF, and any device text survives the composition', async () => {
    expect(toCrlf(Buffer.from('a\nb\rc\r\nd')).toString()).toBe('a\r\nb\r\nc\r\nd');
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
        const clean = text.replace(/[\r\n]/g, ' ').trim();
        const device = Buffer.from(
          `From: ann@x.test\nTo: bob@x.test\nContent-Type: text/plain; charset=utf-8\n\n${clean}\n`,
        );
        const out = await composeSmart('reply', device, ORIGINAL, false);
        expect(out.toString('latin1')).not.toMatch(/(?<!\r)\n/);
        expect(lf(messageParts(out).text).startsWith(clean)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

describe('prepareOutgoing', () => {
  let db: PgliteDatabase;
  let directory: Directory;
  let ann: { id: number; address: string };

  beforeAll(async () => {
    db = await PgliteDatabase.open(undefined);
    await runMigrations(db);
    directory = new Directory(db);
    await directory.addDomain('x.test');
    const account = await directory.addAccount('ann@x.test', 'pw-ann-123456');
    await directory.addAccount('bob@x.test', 'pw-bob-123456');
    await directory.addAlias('sales@x.test', ['ann@x.test']);
    await directory.addAlias('team@x.test', ['bob@x.test']);
    ann = { id: account.id, address: account.address };
  });
  afterAll(async () => db?.close());

  const status = async (raw: string) => {
    try {
      await prepareOutgoing(db, directory, ann, crlf(raw));
      return 0;
    } catch (error) {
      return (error as ComposeError).status;
    }
  };

  it('lets the account send as itself and its aliases, with the From as envelope sender', async () => {
    const own = await prepareOutgoing(
      db,
      directory,
      ann,
      crlf('From: Ann <ANN@x.test>\nTo: bob@x.test\n\nx\n'),
    );
    expect([own.mailFrom, own.recipients]).toEqual(['ann@x.test', ['bob@x.test']]);
    const alias = await prepareOutgoing(
      db,
      directory,
      ann,
      crlf('From: sales@x.test\nTo: far@remote.test\n\nx\n'),
    );
    expect(alias.mailFrom).toBe('sales@x.test');
  });

  it("refuses another account's address or alias (130), in From or Sender", async () => {
    expect(await status('From: bob@x.test\nTo: bob@x.test\n\nx\n')).toBe(130);
    expect(await status('From: team@x.test\nTo: bob@x.test\n\nx\n')).toBe(130);
    expect(await status('From: ann@x.test, bob@x.test\nTo: bob@x.test\n\nx\n')).toBe(130);
    expect(await status('From: ann@x.test\nSender: bob@x.test\nTo: bob@x.test\n\nx\n')).toBe(130);
    expect(await status('From: ann@x.test\nFrom: ann@x.test\nTo: bob@x.test\n\nx\n')).toBe(107);
    expect(await status('From: undisclosed\nTo: bob@x.test\n\nx\n')).toBe(130);
  });

  it('checks recipients as the SMTP submission does', async () => {
    expect(await status('From: ann@x.test\nSubject: none\n\nx\n')).toBe(119);
    expect(await status('From: ann@x.test\nTo: nobody@x.test\n\nx\n')).toBe(116);
    const many = Array.from({ length: 101 }, (_, i) => `r${i}@remote.test`).join(', ');
    expect(await status(`From: ann@x.test\nTo: ${many}\n\nx\n`)).toBe(115);
  });

  it('adds From, Date and Message-ID when missing and keeps Bcc out of the wire only', async () => {
    const out = await prepareOutgoing(
      db,
      directory,
      ann,
      crlf('To: bob@x.test\nBcc: far@remote.test\nSubject: s\n\nbody\n'),
    );
    const sent = out.message.toString();
    expect(sent).toMatch(/^From: <ann@x\.test>\r$/m);
    expect(sent).toMatch(/^Date: .+\+0000\r$/m);
    expect(sent).toMatch(/^Message-ID: <[0-9a-f-]+@x\.test>\r$/m);
    expect(sent).toMatch(/^Bcc: far@remote\.test\r$/m);
    expect(out.wire.toString()).not.toMatch(/^Bcc:/im);
    expect(out.wire.toString()).toMatch(/\r\n\r\nbody\r\n$/);
    expect(out.recipients.sort()).toEqual(['bob@x.test', 'far@remote.test']);
  });
});
