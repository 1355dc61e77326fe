import fc from 'fast-check';
import { addFooter } from '../../../core/lists/posting/footer';
import { joinMessage, splitMessage } from '../../../core/lists/posting/header-block';
import { buildListCopy } from '../../../core/lists/posting/transform';
import { parseMessageStructure } from '../../../core/mime';
import type { BodyPart } from '../../../core/mime/types';
import { list } from './fixtures';
import { entity, messageOf } from './mime-arbitrary';

const FOOTER = 'Unsubscribe: https://web.test/u';
const withFooter = (message: Buffer, footer = FOOTER) =>
  joinMessage(addFooter(splitMessage(message), footer));

function leaves(part: BodyPart, raw: Buffer, out: { type: string; body: string }[] = []) {
  if (part.kind === 'multipart') part.parts.forEach((p) => leaves(p, raw, out));
  else
    out.push({
      type: `${part.type}/${part.subtype}`.toLowerCase(),
      body: raw.subarray(part.bodyStart, part.bodyEnd).toString('utf8'),
    });
  return out;
}
const top = (raw: Buffer) => parseMessageStructure(raw).body;
const msg = (headers: string, body: string) =>
  Buffer.from(`From: a@b.test\r\nMIME-Version: 1.0\r\n${headers}\r\n\r\n${body}`, 'utf8');

describe('footer', () => {
  it('is appended to a single text/plain part', () => {
    const out = withFooter(msg('Content-Type: text/plain; charset=us-ascii', 'Hi\r\n'));
    expect(out.toString()).toMatch(/\r\n\r\nHi\r\n-- \r\nUnsubscribe: https:\/\/web.test\/u\r\n$/);
    expect(top(out).kind).toBe('text');
  });

  it('becomes one more part of a multipart/mixed', () => {
    const out = withFooter(
      msg(
        'Content-Type: multipart/mixed; boundary="xx"',
        '--xx\r\nContent-Type: text/plain\r\n\r\nA\r\n--xx--\r\n',
      ),
    );
    const body = top(out);
    expect(body.kind === 'multipart' && body.parts.length).toBe(2);
    expect(leaves(body, out).map((l) => l.body)).toEqual(['A', `-- \r\n${FOOTER}\r\n`]);
  });

  it('wraps multipart/signed whole, its bytes untouched', () => {
    const signed =
      '--s\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n--s\r\nContent-Type: application/pgp-signature\r\n\r\nSIG\r\n--s--\r\n';
    const input = msg(
      'Content-Type: multipart/signed; boundary="s"; protocol="application/pgp-signature"',
      signed,
    );
    const out = withFooter(input);
    const body = top(out);
    expect(body.kind).toBe('multipart');
    if (body.kind !== 'multipart') return;
    expect(body.subtype).toBe('mixed');
    expect(body.parts[0].subtype).toBe('signed');
    expect(out.subarray(body.parts[0].bodyStart, body.parts[0].bodyEnd).toString()).toBe(signed);
  });

  it('wraps base64 text and multipart/alternative; a non-ASCII footer is declared utf-8', () => {
    const b64 = withFooter(
      msg('Content-Type: text/plain\r\nContent-Transfer-Encoding: base64', 'SGk=\r\n'),
      'Grüße',
    );
    expect(top(b64).subtype).toBe('mixed');
    expect(b64.toString('utf8')).toContain('charset=utf-8\r\nContent-Transfer-Encoding: 8bit');
    const alt = withFooter(
      msg('Content-Type: multipart/alternative; boundary="a"', '--a\r\n\r\nx\r\n--a--\r\n'),
    );
    expect(top(alt).subtype).toBe('mixed');
  });

  it('property: keeps every part and its bytes, adds exactly one footer leaf', () => {
    fc.assert(
      fc.property(entity, (e) => {
        const input = messageOf(e);
        const out = withFooter(input);
        const found = leaves(top(out), out);
        const footerLeaves = found.filter((l) => l.body.includes(FOOTER));
        expect(footerLeaves.length).toBe(1);
        // A footer appended to a plain single part shares that leaf; otherwise it is its own.
        const originals = found.filter((l) => !l.body.includes(FOOTER)).map((l) => l.body);
        if (found.length === e.leaves.length) {
          expect(e.type).toBe('text/plain');
        } else {
          // A wrapped single part keeps the message's final CRLF as its own.
          expect(originals).toEqual(e.type.startsWith('multipart/') ? e.leaves : [e.leaves[0] + '\r\n']);
          expect(top(out).type.toLowerCase() + '/' + top(out).subtype.toLowerCase()).toBe('multipart/mixed');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('property: a list copy of arbitrary bytes has a parseable header and a body', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
          entity.map(messageOf),
        ),
        (input) => {
          const out = buildListCopy({ list, post: input, authorPolicy: 'reject' });
          const end = out.indexOf('\r\n\r\n');
          expect(end).toBeGreaterThan(0);
          for (const l of out.subarray(0, end).toString('latin1').split('\r\n')) {
            expect(l).toMatch(/^([!-9;-~]+:|[ \t])/);
          }
          const structure = parseMessageStructure(out);
          expect(structure.envelope.from?.[0]?.host).toBeTruthy();
        },
      ),
      { numRuns: 300 },
    );
  });
});
