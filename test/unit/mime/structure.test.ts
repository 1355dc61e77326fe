import { parseMessageStructure, type BodyPart, type MultipartPart } from '../../../core/mime';
import { bodyString, crlf, cut, loadFixture, part } from './helpers';

function multipart(p: BodyPart): MultipartPart {
  if (p.kind !== 'multipart') throw new Error(`expected multipart, got ${p.kind}`);
  return p;
}

const noExtension = { disposition: null, language: null, location: null };

describe('parseMessageStructure', () => {
  test('simple text message matches RFC 3501 body fields', () => {
    const raw = loadFixture('simple');
    const s = parseMessageStructure(raw);
    expect(s.body).toEqual({
      kind: 'text',
      type: 'TEXT',
      subtype: 'PLAIN',
      params: [['charset', 'US-ASCII']],
      id: null,
      description: null,
      encoding: '7BIT',
      size: 69,
      lines: 2,
      md5: null,
      headerStart: 0,
      bodyStart: s.headerSize,
      bodyEnd: raw.length,
      ...noExtension,
    });
    expect(cut(raw, { start: 0, end: s.headerSize })).toMatch(/^Date: .*CHARSET=US-ASCII\r\n\r\n$/s);
    expect(part(raw, s.body).body).toBe(
      'Hello Joe, do you think we can meet at 3:30 tomorrow?\r\nSecond line.\r\n',
    );
    expect(s.size).toBe(raw.length);
    expect(bodyString(s.body)).toBe('("TEXT" "PLAIN" ("charset" "US-ASCII") NIL NIL "7BIT" 69 2)');
  });

  test('result is plain JSON data', () => {
    for (const name of ['simple', 'nested-rfc822', 'mixed-attachments', 'digest', 'garbage-addresses']) {
      const s = parseMessageStructure(loadFixture(name));
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
      expect(JSON.stringify(s)).not.toMatch(/undefined|"type":"Buffer"/);
    }
  });

  test('multipart/alternative: preamble and epilogue ignored, CRLF before delimiter excluded', () => {
    const raw = loadFixture('alternative');
    const body = multipart(parseMessageStructure(raw).body);
    expect(body.subtype).toBe('alternative');
    expect(body.params).toEqual([['boundary', 'alt-boundary']]);
    const [plain, html] = body.parts;
    expect(part(raw, plain)).toEqual({
      mime: 'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
      body: 'Caf=E9 cr=E8me, soft=\r\n break.',
    });
    expect(plain).toMatchObject({ kind: 'text', encoding: 'quoted-printable', size: 30, lines: 1 });
    expect(part(raw, html).body).toBe(
      'PGh0bWw+PGJvZHk+PHA+Q2Fmw6kgJmFtcDsgPGI+Y3LDqG1lPC9iPjwvcD48c2NyaXB0PnZhciB4\r\n' +
        'PTE7PC9zY3JpcHQ+PC9ib2R5PjwvaHRtbD4=',
    );
    expect(html).toMatchObject({ subtype: 'html', params: [['charset', 'utf-8']], encoding: 'base64' });
    // The multipart body runs to the end of the message (epilogue included).
    expect(body.bodyEnd).toBe(raw.length);
    expect(cut(raw, { start: body.bodyStart, end: body.bodyEnd })).toMatch(
      /^This is the preamble\.\r\n.*epilogue\.\r\n$/s,
    );
  });

  test('multipart/mixed attachments: RFC 2231 decoded, RFC 2047 kept, extension fields', () => {
    const raw = loadFixture('mixed-attachments');
    const [text, pdf, png] = multipart(parseMessageStructure(raw).body).parts;
    expect(text).toMatchObject({
      kind: 'text',
      params: [['charset', 'utf-8']],
      encoding: '8bit',
      language: ['en', 'fr'],
      size: Buffer.byteLength('See attached: café.'),
      lines: 0,
    });
    expect(pdf).toEqual({
      kind: 'basic',
      type: 'application',
      subtype: 'pdf',
      params: [['name', 'été report.pdf']],
      id: '<pdf1@example.com>',
      description: '=?utf-8?Q?R=C3=A9sum=C3=A9?=',
      encoding: 'base64',
      size: 4,
      md5: 'Q2hlY2sgSW50ZWdyaXR5IQ==',
      disposition: {
        type: 'attachment',
        // Header order kept although libmime decodes RFC 2231 parameters last.
        params: [
          ['filename', 'été report.pdf'],
          ['size', '3'],
        ],
      },
      language: null,
      location: 'http://example.com/report.pdf',
      headerStart: pdf.headerStart,
      bodyStart: pdf.bodyStart,
      bodyEnd: pdf.bodyEnd,
    });
    expect(part(raw, pdf).body).toBe('JVBE');
    expect(part(raw, pdf).mime).toMatch(
      /^Content-Type: application\/pdf;\r\n name\*0\*=.*report\.pdf\r\n\r\n$/s,
    );
    expect(png).toMatchObject({
      kind: 'basic',
      params: [['name', '=?utf-8?B?w6l0w6kucG5n?=']],
      disposition: { type: 'inline', params: [['filename', '=?utf-8?B?w6l0w6kucG5n?=']] },
    });
    expect(part(raw, png).body).toBe('iVBORw0KGgo=');
  });

  test('nested message/rfc822 with its own multipart', () => {
    const raw = loadFixture('nested-rfc822');
    const outer = multipart(parseMessageStructure(raw).body);
    const fwd = outer.parts[1];
    if (fwd.kind !== 'message') throw new Error('expected message/rfc822');
    expect(fwd).toMatchObject({
      type: 'message',
      subtype: 'rfc822',
      description: 'forwarded',
      encoding: '7BIT',
    });
    const encapsulated = cut(raw, { start: fwd.bodyStart, end: fwd.bodyEnd });
    expect(encapsulated).toMatch(/^From: Inner Sender .*\r\n--inner--$/s);
    expect(fwd.size).toBe(Buffer.byteLength(encapsulated));
    expect(fwd.lines).toBe(15);
    expect(fwd.message.headerStart).toBe(fwd.bodyStart);
    expect(fwd.message.bodyEnd).toBe(fwd.bodyEnd);
    expect(cut(raw, { start: fwd.message.headerStart, end: fwd.message.bodyStart })).toMatch(
      /^From: Inner Sender.*boundary="inner"\r\n\r\n$/s,
    );
    expect(fwd.message.envelope).toMatchObject({ subject: 'inner', messageId: '<inner@example.org>' });
    const inner = multipart(fwd.message.body);
    expect(inner.headerStart).toBe(fwd.message.headerStart);
    expect(inner.parts.map((p) => part(raw, p).body)).toEqual(['inner plain', '<p>inner html</p>']);
    // Cross-check with the BODYSTRUCTURE Dovecot sends for this message (hand-derived:
    // default charset added to text parts, LF counts, CRLF sizes).
    expect(bodyString(outer)).toBe(
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 24 0)' +
        '("message" "rfc822" NIL NIL "forwarded" "7BIT" 326 ' +
        '("Mon, 1 Jan 2024 10:00:00 +0000" "inner" (("Inner Sender" NIL "inner" "example.org")) ' +
        '(("Inner Sender" NIL "inner" "example.org")) (("Inner Sender" NIL "inner" "example.org")) ' +
        '((NIL NIL "inner-rcpt" "example.org")) NIL NIL NIL "<inner@example.org>") ' +
        '(("text" "plain" ("charset" "us-ascii") NIL NIL "7BIT" 11 0)' +
        '("text" "html" ("charset" "us-ascii") NIL NIL "7BIT" 17 0) "alternative") 15) "mixed")',
    );
  });

  test('missing closing boundary: last part runs to the end of the message', () => {
    const raw = loadFixture('missing-closing-boundary');
    const parts = multipart(parseMessageStructure(raw).body).parts;
    expect(parts.map((p) => part(raw, p).body)).toEqual([
      'first',
      'second, and the message ends without a closing delimiter\r\n',
    ]);
    expect(parts[1].bodyEnd).toBe(raw.length);
    expect(parts[1]).toMatchObject({ lines: 1 });
  });

  test('multipart without boundary parameter is described as one text/plain body', () => {
    const raw = loadFixture('missing-boundary-param');
    const s = parseMessageStructure(raw);
    expect(s.body).toMatchObject({
      kind: 'text',
      type: 'text',
      subtype: 'plain',
      params: [['charset', 'us-ascii']],
      encoding: '7bit',
      bodyStart: s.headerSize,
      bodyEnd: raw.length,
      lines: 5,
    });
  });

  test('multipart whose delimiter never appears and empty boundary fall back to text/plain', () => {
    const never = crlf('Content-Type: multipart/mixed; boundary=zzz\n\nno delimiter here\n');
    expect(parseMessageStructure(never).body).toMatchObject({ kind: 'text', subtype: 'plain', size: 19 });
    const empty = crlf('Content-Type: multipart/mixed; boundary=""\n\n--\nx\n');
    expect(parseMessageStructure(empty).body).toMatchObject({ kind: 'text', subtype: 'plain' });
  });

  test('boundaries that are prefixes of each other (both directions)', () => {
    const raw = loadFixture('prefix-boundary');
    const [alternative, related] = multipart(parseMessageStructure(raw).body).parts;
    // Inner "=_abc_inner" starts with the outer "=_abc".
    expect(multipart(alternative).parts.map((p) => part(raw, p).body)).toEqual(['plain', 'html']);
    // Inner "=_ab" is a prefix of the outer "=_abc".
    expect(multipart(related).parts.map((p) => part(raw, p).body)).toEqual(['related']);
    expect(cut(raw, { start: alternative.bodyStart, end: alternative.bodyEnd })).toMatch(
      /^--=_abc_inner\r\n.*--=_abc_inner--$/s,
    );
    expect(cut(raw, { start: related.bodyStart, end: related.bodyEnd })).toMatch(/^--=_ab\r\n.*--=_ab--$/s);
  });

  test('bare LF line endings: offsets and line counts', () => {
    const raw = loadFixture('bare-lf', 'raw');
    expect(raw.includes('\r')).toBe(false);
    const parts = multipart(parseMessageStructure(raw).body).parts;
    expect(parts.map((p) => part(raw, p))).toEqual([
      { mime: 'Content-Type: text/plain\n\n', body: 'one\ntwo' },
      { mime: 'Content-Type: text/plain\n\n', body: 'three' },
    ]);
    expect(parts.map((p) => (p.kind === 'text' ? p.lines : -1))).toEqual([1, 0]);
  });

  test('missing header/body separator: the first non-header line starts the body', () => {
    const raw = loadFixture('no-separator', 'raw');
    const s = parseMessageStructure(raw);
    expect(cut(raw, { start: 0, end: s.headerSize })).toBe(
      'From: nosep@example.com\nSubject: no separator\n',
    );
    expect(part(raw, s.body).body).toBe('This line is body text, not a header\nsecond body line\n');
    expect(s.envelope.subject).toBe('no separator');

    const headerOnly = Buffer.from('Subject: only a header\r\nFrom: a@b.c');
    const h = parseMessageStructure(headerOnly);
    expect(h.headerSize).toBe(headerOnly.length);
    expect(h.body).toMatchObject({ size: 0, lines: 0, bodyStart: headerOnly.length });
    expect(h.envelope.from).toEqual([{ name: null, adl: null, mailbox: 'a', host: 'b.c' }]);
  });

  test('parts without headers or without the blank line', () => {
    const raw = loadFixture('part-without-headers');
    const parts = multipart(parseMessageStructure(raw).body).parts;
    expect(parts.map((p) => part(raw, p))).toEqual([
      { mime: '\r\n', body: 'no headers here' },
      { mime: 'Content-Type: text/plain\r\n', body: 'body directly after header, no blank line' },
      { mime: '', body: 'just text, no blank line either' },
    ]);
    for (const p of parts)
      expect(p).toMatchObject({ type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']] });
  });

  test('multipart/digest children default to message/rfc822', () => {
    const raw = loadFixture('digest');
    const [first, second] = multipart(parseMessageStructure(raw).body).parts;
    if (first.kind !== 'message') throw new Error('expected message/rfc822');
    expect(first).toMatchObject({ type: 'message', subtype: 'rfc822', params: [], encoding: '7BIT' });
    expect(first.message.envelope).toMatchObject({
      subject: 'first',
      from: [{ name: null, adl: null, mailbox: 'one', host: 'example.com' }],
    });
    expect(part(raw, first)).toEqual({
      mime: '\r\n',
      body: 'From: one@example.com\r\nSubject: first\r\n\r\nfirst body',
    });
    expect(part(raw, first.message.body).body).toBe('first body');
    expect(second).toMatchObject({ kind: 'text', type: 'text', subtype: 'plain' });
  });

  test('empty body and empty message', () => {
    const raw = loadFixture('empty-body');
    const s = parseMessageStructure(raw);
    expect(s.body).toMatchObject({
      kind: 'text',
      size: 0,
      lines: 0,
      bodyStart: raw.length,
      bodyEnd: raw.length,
    });
    expect(s.headerSize).toBe(raw.length);

    const nothing = parseMessageStructure(Buffer.alloc(0));
    expect(nothing).toMatchObject({ headerSize: 0, size: 0, body: { kind: 'text', size: 0 } });
    expect(nothing.envelope).toMatchObject({ from: null, sender: null, subject: null });
  });

  test('invalid Content-Type falls back to text/plain; charset=us-ascii', () => {
    const s = parseMessageStructure(crlf('Content-Type: garbage\n\nx'));
    expect(s.body).toMatchObject({ type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']] });
  });

  test('encoded message/rfc822 and over-deep nesting are described as opaque data', () => {
    const encoded = crlf(
      'Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nRnJvbTogYUBiLmMNCg0K\n',
    );
    expect(parseMessageStructure(encoded).body).toMatchObject({
      kind: 'basic',
      type: 'application',
      subtype: 'octet-stream',
    });

    let deep = 'x';
    for (let i = 0; i < 150; i++)
      deep = `Content-Type: multipart/mixed; boundary=b${i}\n\n--b${i}\n${deep}\n--b${i}--\n`;
    let p: BodyPart = parseMessageStructure(crlf(deep)).body;
    let depth = 0;
    while (p.kind === 'multipart') {
      p = p.parts[0];
      depth++;
    }
    expect(depth).toBe(100);
    expect(p).toMatchObject({ kind: 'basic', type: 'application', subtype: 'octet-stream' });
  });

  test('a hostile number of parts is capped; the rest becomes the last part', () => {
    let text = 'Content-Type: multipart/mixed; boundary=b\n\n';
    for (let i = 0; i < 10005; i++) text += `--b\n\n${i}\n`;
    const raw = crlf(`${text}--b--\n`);
    const parts = multipart(parseMessageStructure(raw).body).parts;
    expect(parts).toHaveLength(9999);
    expect(part(raw, parts[9997]).body).toBe('9997');
    expect(part(raw, parts[9998]).body).toMatch(/^9998\r\n--b\r\n.*\r\n10004$/s);
  });

  test('transport padding after a delimiter and a bare "--boundary" inside text', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=p\n\n--p \t\n\nfirst\n--px is not a delimiter\n--p--  \nepilogue',
    );
    const parts = multipart(parseMessageStructure(raw).body).parts;
    expect(parts.map((p) => part(raw, p).body)).toEqual(['first\r\n--px is not a delimiter']);
  });
});
