/**
 * Binary parts served base64-encoded in IMAP's BODY forms (RFC 3516): the converted message,
 * its structure (parseMessageStructure's `converted`) and the line layout Dovecot uses.
 */
import fc from 'fast-check';
import {
  base64Lines,
  binaryParts,
  hasBareLf,
  servedBytes,
  decodeTransferEncoding,
  parseMessageStructure,
  resolveSection,
} from '../../../core/mime';
import { crlf } from './helpers';

const SEED = 20261203;

function mixed(parts: { cte: string | null; body: Buffer }[]): Buffer {
  const chunks: Buffer[] = [
    crlf('Subject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=ZZ\n\n'),
  ];
  for (const p of parts) {
    chunks.push(crlf(`--ZZ\nContent-Type: application/octet-stream\n`));
    if (p.cte) chunks.push(crlf(`Content-Transfer-Encoding: ${p.cte}\n`));
    chunks.push(crlf('\n'), p.body, crlf('\n'));
  }
  chunks.push(crlf('--ZZ--\n'));
  return Buffer.concat(chunks);
}

describe('base64Lines', () => {
  test('76 characters a line, CRLF between lines, none after the last', () => {
    expect(base64Lines(Buffer.alloc(0)).toString()).toBe('');
    expect(base64Lines(Buffer.from('ab\0cd\r\nline2\0', 'latin1')).toString()).toBe('YWIAY2QNCmxpbmUyAA==');
    const lines = base64Lines(Buffer.alloc(512, 7)).toString().split('\r\n');
    expect(lines.map((l) => l.length)).toEqual(Array(9).fill(76));
  });

  test('property: decodes back to the input, lines full but the last', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (a) => {
        const data = Buffer.from(a);
        const text = base64Lines(data).toString('latin1');
        expect(Buffer.from(text.replace(/\r\n/g, ''), 'base64').equals(data)).toBe(true);
        const lines = text.split('\r\n');
        lines.slice(0, -1).forEach((l) => expect(l.length).toBe(76));
        expect(lines[lines.length - 1].length).toBeLessThanOrEqual(76);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('servedBytes and structure.converted', () => {
  test('a message without binary parts has no converted structure and is served as stored', () => {
    const raw = mixed([{ cte: '8bit', body: Buffer.from('ab\0cd', 'latin1') }]);
    const structure = parseMessageStructure(raw);
    expect(structure.converted).toBeUndefined();
    expect(servedBytes(raw, structure)).toBe(raw);
  });

  test('rewrites the header to base64 (same length) and describes the served bytes', () => {
    const raw = mixed([
      { cte: 'Binary', body: Buffer.from('x\0y', 'latin1') },
      { cte: null, body: Buffer.from('plain') },
    ]);
    const structure = parseMessageStructure(raw);
    const served = servedBytes(raw, structure);
    expect(served.toString('latin1')).toContain('Content-Transfer-Encoding: base64\r\n\r\neAB5\r\n--ZZ');
    const converted = structure.converted!;
    expect(converted.size).toBe(served.length);
    expect(converted.body.kind === 'multipart' && converted.body.parts[0].kind).toBe('basic');
    const part = resolveSection(converted, [1])!;
    expect(part.part.kind !== 'multipart' && part.part.encoding).toBe('base64');
    const second = resolveSection(converted, [2])!;
    expect(served.subarray(second.body.start, second.body.end).toString()).toBe('plain');
  });

  test('bare LF line ends are served as CRLF; binary content inside keeps its bytes', () => {
    const lf = Buffer.from(
      'Subject: lf\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\none\ntwo\n--b--\n',
    );
    expect(hasBareLf(lf)).toBe(true);
    const structure = parseMessageStructure(lf);
    const served = servedBytes(lf, structure);
    expect(served.toString()).toBe(lf.toString().replace(/\n/g, '\r\n'));
    expect(structure.converted!.size).toBe(served.length);
    expect(hasBareLf(crlf('a\nb\n'))).toBe(false);
    const mixedEnds = Buffer.from('Subject: m\r\nX: y\n\r\nbody\n', 'latin1');
    expect(servedBytes(mixedEnds, parseMessageStructure(mixedEnds)).toString()).toBe(
      'Subject: m\r\nX: y\r\n\r\nbody\r\n',
    );
    const bin = Buffer.from('Subject: b\nContent-Transfer-Encoding: binary\n\na\nb\0', 'latin1');
    expect(servedBytes(bin, parseMessageStructure(bin)).toString('latin1')).toBe(
      `Subject: b\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('a\nb\0', 'latin1').toString('base64')}`,
    );
  });

  test('a binary top-level body, and one inside an encapsulated message', () => {
    const top = crlf('Subject: t\nContent-Transfer-Encoding: binary\n\nab\0cd\n');
    const served = servedBytes(top, parseMessageStructure(top));
    expect(served.toString('latin1')).toBe(
      'Subject: t\r\nContent-Transfer-Encoding: base64\r\n\r\nYWIAY2QNCg==',
    );
    const inner = crlf('Subject: inner\nContent-Transfer-Encoding: binary\n\n\0\n');
    const outer = Buffer.concat([crlf('Subject: o\nContent-Type: message/rfc822\n\n'), inner]);
    const structure = parseMessageStructure(outer);
    expect(binaryParts(structure.body)).toHaveLength(1);
    expect(structure.converted!.body.kind).toBe('message');
  });

  test('property: binary parts carry no NUL and decode to the stored bytes; the structure matches', () => {
    const body = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a).filter((b) => b !== 0x2d));
    const part = fc.record({ cte: fc.constantFrom('binary', 'BINARY', '8bit', null), body });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const raw = mixed(parts.map((p) => ({ cte: p.cte, body: Buffer.from(p.body) })));
        const structure = parseMessageStructure(raw);
        const converted = structure.converted ?? structure;
        const served = servedBytes(raw, structure);
        expect(converted.size).toBe(served.length);
        parts.forEach((p, i) => {
          const stored = resolveSection(structure, [i + 1])!;
          const out = resolveSection(converted, [i + 1])!;
          const bytes = served.subarray(out.body.start, out.body.end);
          if (p.cte?.toLowerCase() === 'binary') {
            expect(bytes.includes(0)).toBe(false);
            expect(
              decodeTransferEncoding(bytes, 'base64').equals(
                raw.subarray(stored.body.start, stored.body.end),
              ),
            ).toBe(true);
          } else {
            // Other parts: the same bytes, bare LF made CRLF.
            const body = raw.subarray(stored.body.start, stored.body.end).toString('latin1');
            expect(bytes.toString('latin1')).toBe(body.replace(/(?<!\r)\n/g, '\r\n'));
          }
        });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
