import {
  BODY_TEXT_LIMIT,
  decodeHeaderValue,
  decodeTransferEncoding,
  extractSearchText,
  parseMessageStructure,
} from '../../../core/mime';
import { crlf, loadFixture } from './helpers';

function searchText(raw: Buffer) {
  return extractSearchText(raw, parseMessageStructure(raw));
}

describe('extractSearchText', () => {
  test('decodes quoted-printable Latin-1 and base64 UTF-8 HTML, strips tags and scripts', () => {
    const { headers, body } = searchText(loadFixture('alternative'));
    expect(headers).toContain('Subject: Alternative');
    expect(headers).toContain('From: Alice <alice@example.com>');
    expect(body).toContain('Café crème, soft break.');
    expect(body).toMatch(/Café & +crème/);
    expect(body).not.toContain('<b>');
    expect(body).not.toContain('var x');
  });

  test('headers have encoded-words decoded', () => {
    const { headers } = searchText(loadFixture('encoded-words'));
    expect(headers).toContain('Subject: If you can read this you understand the example.');
    expect(headers).toContain('From: André Pirard <PIRARD@vm1.ulg.ac.be>');
  });

  test('includes text inside encapsulated messages, with their headers; skips binary parts', () => {
    const { headers, body } = searchText(loadFixture('nested-rfc822'));
    expect(headers).not.toContain('Inner Sender');
    expect(body).toContain('Forwarded message below.');
    expect(body).toContain('Subject: inner');
    expect(body).toContain('inner plain');
    expect(body).toContain('inner html');
    expect(body).not.toContain('<p>');

    const mixed = searchText(loadFixture('mixed-attachments')).body;
    expect(mixed).toBe('See attached: café.');
  });

  test('8-bit UTF-8 body and raw Latin-1 body by charset', () => {
    expect(searchText(loadFixture('utf8-headers')).body).toBe('Grüße!\r\n');
    const latin1 = Buffer.concat([
      crlf('Content-Type: text/plain; charset=windows-1252\n\n'),
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x80]),
    ]);
    expect(searchText(latin1).body).toBe('café €');
  });

  test('body text is capped', () => {
    const big = crlf(`Subject: big\n\n${'a'.repeat(BODY_TEXT_LIMIT + 1000)}`);
    expect(searchText(big).body.length).toBe(BODY_TEXT_LIMIT);
  });
});

describe('decodeHeaderValue', () => {
  test('RFC 2047 words, adjacent words joined, plain text kept', () => {
    expect(decodeHeaderValue('=?utf-8?Q?caf=C3=A9?= =?utf-8?Q?_au_lait?= ok')).toBe('café au lait ok');
    expect(decodeHeaderValue('=?iso-8859-1?q?this=20is=20some=20text?=')).toBe('this is some text');
    expect(decodeHeaderValue('no words')).toBe('no words');
  });
});

describe('decodeTransferEncoding', () => {
  test('quoted-printable soft breaks, stray "=" and lowercase hex', () => {
    const qp = Buffer.from('a=3Db=\r\nc=\nd = e=e9=ZZ');
    expect(decodeTransferEncoding(qp, 'Quoted-Printable').toString('latin1')).toBe('a=bcd = e\u00e9=ZZ');
  });

  test('base64 with line breaks; identity encodings pass through', () => {
    expect(decodeTransferEncoding(Buffer.from('aGVs\r\nbG8='), 'BASE64').toString()).toBe('hello');
    expect(decodeTransferEncoding(Buffer.from('x'), '8bit').toString()).toBe('x');
  });
});
