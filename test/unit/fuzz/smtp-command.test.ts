/**
 * Fuzz layer for the SMTP command side: the line splitter and the command/path parsers never
 * throw, agree with a plain model for any packet split, and give back what a well-formed command
 * says. Seeded and bounded.
 */
import fc from 'fast-check';
import { decodeXtext, parseCommandLine, parsePathCommand } from '../../../containers/smtp/command-parser';
import { InputBuffer } from '../../../containers/smtp/input-buffer';

const SEED = 20261104;
const RUNS = 300;

/** Command lines a model reader produces: split at LF, one CR before it dropped, long ones flagged. */
function modelLines(stream: Buffer, max: number): (string | 'too-long')[] {
  const text = stream.toString('latin1');
  const parts = text.split('\n');
  parts.pop(); // not yet terminated
  return parts.map((part) => {
    const line = part.endsWith('\r') ? part.slice(0, -1) : part;
    return line.length > max ? 'too-long' : line;
  });
}

function readAll(stream: Buffer, sizes: number[], max: number): (string | 'too-long')[] {
  const input = new InputBuffer();
  const out: (string | 'too-long')[] = [];
  let offset = 0;
  let i = 0;
  while (offset < stream.length) {
    const size = sizes.length ? sizes[i++ % sizes.length] : stream.length;
    input.push(stream.subarray(offset, offset + size));
    offset += size;
    for (;;) {
      const line = input.readLine(max);
      if (line === null) break;
      out.push(line === 'too-long' ? line : line.toString('latin1'));
    }
  }
  return out;
}

const bytes = fc
  .array(fc.constantFrom('\r', '\n', '\r\n', 'a', 'MAIL FROM:<a@b>', ' ', '\0', '\xff', 'x'.repeat(9)), {
    maxLength: 30,
  })
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));
const packets = fc.array(fc.integer({ min: 1, max: 13 }), { maxLength: 6 });

describe('SMTP command lines', () => {
  it('splits any bytes into the same lines however they are packeted', () => {
    fc.assert(
      fc.property(bytes, packets, fc.integer({ min: 1, max: 20 }), (stream, sizes, max) => {
        // An over-long line is reported once; one still unterminated at the end may be reported early.
        const expected = modelLines(stream, max);
        const got = readAll(stream, sizes, max);
        if (got.length === expected.length + 1) expect(got.pop()).toBe('too-long');
        expect(got).toEqual(expected);
        for (const line of got) if (line !== 'too-long') expect(line).not.toMatch(/\n/);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('parseCommandLine never throws and only yields an upper-case verb that starts the line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (line) => {
        const { verb, argument } = parseCommandLine(line);
        expect(verb).toMatch(/^[A-Z]*$/);
        if (verb) {
          expect(line.slice(0, verb.length).toUpperCase()).toBe(verb);
          expect(argument).toBe(argument.trim());
        }
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('a line with CR, LF or other junk after the verb is never a different command', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('NOOP', 'RSET', 'QUIT', 'DATA'),
        fc.constantFrom('\r', '\n', '\0', '\x7f', '\t'),
        fc.constantFrom('MAIL FROM:<x@y>', 'DATA', ''),
        (verb, junk, tail) => {
          expect(parseCommandLine(verb + junk + tail).verb).toBe('');
        },
      ),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });

  it('parsePathCommand never throws on any argument', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom('FROM', 'TO'), (arg, kw) => {
        const result = parsePathCommand(arg, kw as 'FROM' | 'TO');
        if (result.ok) expect(typeof result.value.address).toBe('string');
        else expect(result.error.length).toBeGreaterThan(0);
      }),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });

  it('gives back the address and parameters of a well-formed MAIL FROM', () => {
    const local = fc.stringMatching(/^[a-z0-9.+_-]{1,20}$/);
    const domain = fc.stringMatching(/^[a-z0-9-]{1,10}(\.[a-z]{2,6}){1,2}$/);
    const param = fc.tuple(
      fc.stringMatching(/^[A-Z][A-Z0-9-]{0,8}$/),
      fc.option(fc.stringMatching(/^[!-<>-~]{1,12}$/), { nil: undefined }),
    );
    fc.assert(
      fc.property(
        local,
        domain,
        fc.uniqueArray(param, { selector: (p) => p[0], maxLength: 4 }),
        (l, d, params) => {
          const text = params.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join(' ');
          const result = parsePathCommand(`FROM:<${l}@${d}>${text ? ' ' + text : ''}`, 'FROM');
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          expect(result.value.address).toBe(`${l}@${d}`);
          expect([...result.value.params]).toEqual(params.map(([k, v]) => [k, v ?? true]));
        },
      ),
      { seed: SEED + 4, numRuns: RUNS },
    );
  });

  it('decodeXtext never throws and inverts xtext encoding', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 40 }), (text) => {
        const encoded = [...text]
          .map((c) =>
            c >= '!' && c <= '~' && c !== '+' && c !== '='
              ? c
              : '+' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'),
          )
          .join('');
        expect(decodeXtext(encoded)).toBe(text);
      }),
      { seed: SEED + 5, numRuns: RUNS },
    );
  });
});
