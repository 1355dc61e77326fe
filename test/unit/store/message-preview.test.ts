/** PREVIEW text (RFC 8970): JMAP's preview, limited to text parts, without control characters. */
import fc from 'fast-check';
import { parseMessageStructure } from '../../../core/mime';
import { messagePreview } from '../../../core/store/message-preview';

const preview = (text: string): string => {
  const raw = Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
  return messagePreview(raw, parseMessageStructure(raw));
};

describe('messagePreview', () => {
  test('first text part, HTML as text, whitespace collapsed', () => {
    expect(preview('Subject: a\n\n  Hello\n\n  there\t!\n')).toBe('Hello there !');
    expect(preview('Content-Type: text/html\n\n<p>Hi <b>you</b></p><script>x()</script>\n')).toBe('Hi you');
    expect(
      preview(
        'Content-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nplain\n--b\nContent-Type: text/html\n\n<p>html</p>\n--b--\n',
      ),
    ).toBe('plain');
  });

  test('no text part gives an empty preview', () => {
    expect(preview('Content-Type: image/png\n\nxx\n')).toBe('');
    expect(preview('Subject: empty\n\n')).toBe('');
  });

  test('control characters are dropped (a NUL cannot be stored or sent)', () => {
    expect(preview('Content-Transfer-Encoding: quoted-printable\n\na=00b=01c\n')).toBe('abc');
  });

  test('property: at most 256 UTF-16 units, no control characters, no lone high surrogate at the end', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (body) => {
        const text = preview(`Content-Type: text/plain; charset=utf-8\n\n${body}\n`);
        expect(text.length).toBeLessThanOrEqual(256);
        expect(/[\u0000-\u001f\u007f]/.test(text)).toBe(false);
        expect(/[\uD800-\uDBFF]$/.test(text)).toBe(false);
      }),
      { seed: 20261203, numRuns: 200 },
    );
  });
});
