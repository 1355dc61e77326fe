/**
 * Fuzz layer for POP3 (issue #11): the line reader gives the same lines however the bytes are
 * packeted and never buffers more than a line; the command parser never throws and refuses NUL
 * and invalid UTF-8,
 * and message-number / line-count arguments accept exactly the decimal forms RFC 1939 allows.
 */
import fc from 'fast-check';
import { parseCommand, parseLineCount, parseMessageNumber } from '../../../containers/pop3/command-parser';
import { LineReader } from '../../../containers/pop3/line-reader';
import { decodeUtf8Strict } from '../../../core/util/utf8';

const SEED = 20261107;
const RUNS = 300;

const bytes = fc
  .array(
    fc.constantFrom(
      '\r',
      '\n',
      '\r\n',
      'USER a',
      'PASS x y',
      'RETR 1',
      ' ',
      '\0',
      '\xff',
      'x'.repeat(7),
      '.',
    ),
    { maxLength: 30 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

function modelLines(stream: Buffer, max: number): string[] {
  const parts = stream.toString('latin1').split('\n');
  parts.pop();
  return parts.map((part) => {
    const line = part.endsWith('\r') ? part.slice(0, -1) : part;
    return line.length > max ? 'too-long' : line;
  });
}

function readAll(stream: Buffer, sizes: number[], max: number): { lines: string[]; maxPending: number } {
  const reader = new LineReader(max);
  const lines: string[] = [];
  let maxPending = 0;
  let offset = 0;
  let i = 0;
  while (offset < stream.length) {
    const size = sizes.length ? sizes[i++ % sizes.length] : stream.length;
    reader.push(stream.subarray(offset, offset + size));
    offset += size;
    for (;;) {
      const line = reader.next();
      if (line === null) break;
      lines.push(line === 'too-long' ? line : line.toString('latin1'));
    }
    maxPending = Math.max(maxPending, reader.pending);
  }
  return { lines, maxPending };
}

describe('POP3 line reader', () => {
  it('gives the same lines for any packet split, and holds at most one line plus a packet', () => {
    fc.assert(
      fc.property(
        bytes,
        fc.array(fc.integer({ min: 1, max: 13 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 20 }),
        (stream, sizes, max) => {
          const expected = modelLines(stream, max);
          const { lines, maxPending } = readAll(stream, sizes, max);
          if (lines.length === expected.length + 1) expect(lines.pop()).toBe('too-long');
          expect(lines).toEqual(expected);
          if (sizes.length) expect(maxPending).toBeLessThanOrEqual(max + 1 + Math.max(...sizes));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('POP3 command parser', () => {
  it('never throws; a parsed command has a 3-4 letter upper-case keyword and no NUL', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (raw) => {
        const line = Buffer.from(raw);
        const result = parseCommand(line);
        if (!result.ok) {
          expect(result.reason.length).toBeGreaterThan(0);
          return;
        }
        expect(line.includes(0)).toBe(false);
        expect(decodeUtf8Strict(line)).not.toBeNull();
        expect(result.command.verb).toMatch(/^[A-Z]{3,4}$/);
        for (const arg of result.command.args) expect(arg).not.toMatch(/ /);
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('keeps PASS arguments with spaces intact', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }), (password) => {
        fc.pre(!password.includes('\0'));
        const result = parseCommand(Buffer.from(`pass ${password}`));
        expect(result.ok && result.command.verb).toBe('PASS');
        expect(result.ok && result.command.rest).toBe(password);
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });

  it('message numbers and line counts: exactly the plain decimals in range', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 12 }), (text) => {
        const decimal = /^\d{1,9}$/.test(text);
        expect(parseMessageNumber(text)).toBe(decimal && Number(text) >= 1 ? Number(text) : null);
        expect(parseLineCount(text)).toBe(decimal ? Number(text) : null);
      }),
      { seed: SEED + 3, numRuns: RUNS },
    );
    expect(parseMessageNumber('1e3')).toBeNull();
    expect(parseMessageNumber('+1')).toBeNull();
    expect(parseMessageNumber('0')).toBeNull();
    expect(parseMessageNumber('١')).toBeNull();
  });
});
