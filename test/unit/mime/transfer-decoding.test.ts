/**
 * Quoted-printable decoding (RFC 2045 §6.7): rule 3 (blanks at the end of an encoded line are
 * transport padding and go), soft line breaks (also at the very end of a part's body), and
 * fast-check properties against a reference encoder.
 */
import fc from 'fast-check';
import { decodeQuotedPrintable, decodeTransferEncoding } from '../../../core/mime/transfer-decoding';

const SEED = 20261203;
const qp = (s: string): string => decodeQuotedPrintable(Buffer.from(s, 'latin1')).toString('latin1');

describe('decodeQuotedPrintable', () => {
  test('drops spaces and tabs before a line break (rule 3), keeps them inside a line', () => {
    expect(qp('ab  \r\ncd')).toBe('ab\r\ncd');
    expect(qp('ab \t\ncd')).toBe('ab\ncd');
    expect(qp('a b\tc\r\n')).toBe('a b\tc\r\n');
    expect(qp('end   ')).toBe('end'); // the last line's break belongs to the boundary
    expect(qp('ab=20\r\n')).toBe('ab \r\n'); // an encoded space is data
  });

  test('soft line breaks: "=" with optional blanks before CRLF, LF or the end', () => {
    expect(qp('cd=\t\r\nef')).toBe('cdef');
    expect(qp('cd= \nef')).toBe('cdef');
    expect(qp('last=')).toBe('last');
    expect(qp('last=  ')).toBe('last');
  });

  test('what Dovecot 2.3 decodes for the same body', () => {
    expect(qp('ab  \r\ncd=\t\r\nef \t\r\n')).toBe('ab\r\ncdef\r\n');
  });

  test('stray "=" and malformed hex are kept literally', () => {
    expect(qp('a=ZZb=4')).toBe('a=ZZb=4');
    expect(qp('=3d=3D')).toBe('==');
  });

  test('decodeTransferEncoding dispatches on the encoding name', () => {
    expect(decodeTransferEncoding(Buffer.from('x =\r\ny  \r\n'), ' Quoted-Printable ').toString()).toBe(
      'x y\r\n',
    );
  });
});

/** A plain RFC 2045 encoder: safe bytes as they are, the rest as =XX, soft breaks at 76. */
function encode(data: Buffer): string {
  const lines = data.toString('latin1').split('\r\n');
  const out: string[] = [];
  for (const line of lines) {
    let encoded = '';
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      const last = i === line.length - 1;
      const safe = (c >= 33 && c <= 126 && c !== 61) || ((c === 32 || c === 9) && !last);
      encoded += safe ? line[i] : '=' + c.toString(16).toUpperCase().padStart(2, '0');
    }
    const parts: string[] = [];
    while (encoded.length > 75) {
      let cut = 75;
      if (encoded[cut - 1] === '=') cut -= 1;
      else if (encoded[cut - 2] === '=') cut -= 2;
      parts.push(encoded.slice(0, cut) + '=');
      encoded = encoded.slice(cut);
    }
    parts.push(encoded);
    out.push(parts.join('\r\n'));
  }
  return out.join('\r\n');
}

const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const text = fc
  .array(fc.constantFrom('a', 'b', ' ', '\t', '=', '\r\n', '\xe9', '\0', 'long word '), { maxLength: 80 })
  .map((p) => Buffer.from(p.join(''), 'latin1'));

describe('decodeQuotedPrintable properties', () => {
  test('decodes what a conforming encoder produced', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, text), (data) => {
        expect(decodeQuotedPrintable(Buffer.from(encode(data), 'latin1')).equals(data)).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('blanks a transport adds at line ends change nothing', () => {
    fc.assert(
      fc.property(
        fc.oneof(bytes, text),
        fc.array(fc.constantFrom(' ', '\t'), { maxLength: 4 }),
        (data, pad) => {
          const padded = encode(data).replace(/\r\n/g, pad.join('') + '\r\n') + pad.join('');
          expect(decodeQuotedPrintable(Buffer.from(padded, 'latin1')).equals(data)).toBe(true);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('any input decodes without throwing, never longer than it was', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, text), (input) => {
        expect(decodeQuotedPrintable(input).length).toBeLessThanOrEqual(input.length);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
