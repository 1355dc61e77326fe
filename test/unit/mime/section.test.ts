import { parseMessageStructure, resolveSection } from '../../../core/mime';
import { crlf, cut, loadFixture } from './helpers';

describe('resolveSection', () => {
  test('empty path: BODY[], BODY[HEADER], BODY[TEXT]', () => {
    const raw = loadFixture('simple');
    const s = parseMessageStructure(raw);
    const r = resolveSection(s, []);
    expect(r?.body).toEqual({ start: 0, end: raw.length });
    expect(cut(raw, r!.header)).toMatch(/^Date: .*\r\n\r\n$/s);
    expect(cut(raw, r!.text)).toBe(
      'Hello Joe, do you think we can meet at 3:30 tomorrow?\r\nSecond line.\r\n',
    );
    expect(r?.mime).toBeNull();
  });

  test('non-multipart message: part 1 is the body, nothing else exists', () => {
    const raw = loadFixture('simple');
    const s = parseMessageStructure(raw);
    const r = resolveSection(s, [1]);
    expect(cut(raw, r!.body)).toBe(cut(raw, resolveSection(s, [])!.text));
    expect(r?.header).toBeNull();
    expect(r?.text).toBeNull();
    expect(resolveSection(s, [2])).toBeNull();
    expect(resolveSection(s, [1, 1])).toBeNull();
    expect(resolveSection(s, [0])).toBeNull();
    expect(resolveSection(s, [1.5])).toBeNull();
  });

  test('multipart: BODY[n], BODY[n.MIME]', () => {
    const raw = loadFixture('alternative');
    const s = parseMessageStructure(raw);
    const one = resolveSection(s, [1])!;
    expect(cut(raw, one.mime)).toBe(
      'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
    );
    expect(cut(raw, one.body)).toBe('Caf=E9 cr=E8me, soft=\r\n break.');
    expect(cut(raw, resolveSection(s, [2])!.body)).toMatch(/^PGh0bWw.*aHRtbD4=$/s);
    expect(resolveSection(s, [3])).toBeNull();
  });

  test('message/rfc822 part: n, n.HEADER, n.TEXT, n.MIME, n.1, n.1.MIME', () => {
    const raw = loadFixture('nested-rfc822');
    const s = parseMessageStructure(raw);
    const fwd = resolveSection(s, [2])!;
    expect(cut(raw, fwd.mime)).toBe('Content-Type: message/rfc822\r\nContent-Description: forwarded\r\n\r\n');
    expect(cut(raw, fwd.body)).toMatch(/^From: Inner Sender <inner@example.org>\r\n.*\r\n--inner--$/s);
    expect(cut(raw, fwd.header)).toBe(
      'From: Inner Sender <inner@example.org>\r\nTo: inner-rcpt@example.org\r\nSubject: inner\r\n' +
        'Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <inner@example.org>\r\n' +
        'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n',
    );
    expect(cut(raw, fwd.text)).toBe(
      '--inner\r\nContent-Type: text/plain\r\n\r\ninner plain\r\n' +
        '--inner\r\nContent-Type: text/html\r\n\r\n<p>inner html</p>\r\n--inner--',
    );
    expect(cut(raw, resolveSection(s, [2, 1])!.body)).toBe('inner plain');
    expect(cut(raw, resolveSection(s, [2, 1])!.mime)).toBe('Content-Type: text/plain\r\n\r\n');
    expect(cut(raw, resolveSection(s, [2, 2])!.body)).toBe('<p>inner html</p>');
    expect(resolveSection(s, [2, 3])).toBeNull();
    expect(resolveSection(s, [1])!.header).toBeNull();
  });

  test('message/rfc822 with a non-multipart body: n.1 is that body', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n' +
        'Subject: inner\n\ninner text\n--b--\n',
    );
    const s = parseMessageStructure(raw);
    const inner = resolveSection(s, [1, 1])!;
    expect(cut(raw, inner.body)).toBe('inner text');
    // The MIME header of a non-multipart encapsulated body is the encapsulated header.
    expect(cut(raw, inner.mime)).toBe('Subject: inner\r\n\r\n');
    expect(cut(raw, resolveSection(s, [1])!.text)).toBe('inner text');
    expect(resolveSection(s, [1, 2])).toBeNull();
  });

  test('top-level message/rfc822: BODY[1] is the encapsulated message', () => {
    const raw = crlf('Subject: outer\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner text\n');
    const s = parseMessageStructure(raw);
    expect(cut(raw, resolveSection(s, [1])!.body)).toBe('Subject: inner\r\n\r\ninner text\r\n');
    expect(cut(raw, resolveSection(s, [1])!.header)).toBe('Subject: inner\r\n\r\n');
    expect(cut(raw, resolveSection(s, [1, 1])!.body)).toBe('inner text\r\n');
  });

  test('nested multiparts by path', () => {
    const raw = loadFixture('prefix-boundary');
    const s = parseMessageStructure(raw);
    expect(cut(raw, resolveSection(s, [1, 2])!.body)).toBe('html');
    expect(cut(raw, resolveSection(s, [2, 1])!.body)).toBe('related');
    expect(cut(raw, resolveSection(s, [2])!.mime)).toBe(
      'Content-Type: multipart/related; boundary="=_ab"\r\n\r\n',
    );
    expect(resolveSection(s, [2, 1, 1])).toBeNull();
  });
});
