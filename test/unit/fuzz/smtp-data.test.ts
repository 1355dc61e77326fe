/**
 * Fuzz layer for the DATA decoder (issue #11, SMTP smuggling). Properties hold for any bytes and
 * any packet split: DATA ends exactly where RFC 5321 says (the first CRLF.CRLF) and nowhere else,
 * a strict server accepts exactly the messages without bare CR, bare LF or NUL, and what it
 * stores is the dot-unstuffed text. Seeded, so a failure prints a reproducible seed/path.
 */
import fc from 'fast-check';
import type { DataDecoderOptions } from '../../../containers/smtp/data-decoder';
import { modelDataEnd, modelStrictMessage, runDecoder } from './smtp-model';

const SEED = 20261103;
const RUNS = 400;

const strict: DataDecoderOptions = {
  maxSize: 1 << 20,
  maxLineLength: 1000,
  rejectBareLineEndings: true,
  allow8bitHeaders: true,
};

/** Bytes rich in the ones that matter around a terminator: CR, LF, dot, NUL. */
const token = fc.constantFrom(
  '\r',
  '\n',
  '.',
  '\0',
  'a',
  ' ',
  '\r\n',
  '.\r\n',
  '\r\n.\r\n',
  '\n.\r\n',
  '\r.\r\n',
  '\n.\n',
  '\r\n.\n',
  '\r\n.\r',
  '..',
  'MAIL FROM:<forged@evil.test>\r\n',
  '\xff',
);
const stream = fc.array(token, { maxLength: 40 }).map((parts) => Buffer.from(parts.join(''), 'latin1'));
const packets = fc.array(fc.integer({ min: 1, max: 17 }), { maxLength: 8 });

describe('DATA decoder properties', () => {
  it('ends exactly at the first CRLF.CRLF, for any bytes and any packet split', () => {
    fc.assert(
      fc.property(stream, packets, fc.boolean(), (bytes, sizes, reject) => {
        const run = runDecoder(bytes, sizes, { ...strict, rejectBareLineEndings: reject });
        expect(run.end).toBe(modelDataEnd(bytes));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('accepts exactly the clean messages and stores them unstuffed', () => {
    fc.assert(
      fc.property(stream, packets, (bytes, sizes) => {
        const terminated = Buffer.concat([bytes, Buffer.from('\r\n.\r\n')]);
        const end = modelDataEnd(terminated);
        const run = runDecoder(terminated, sizes, strict);
        expect(run.end).toBe(end);
        const expected = modelStrictMessage(terminated.subarray(0, end - 3), strict.maxLineLength);
        if (expected === null) {
          expect(run.problem).not.toBeNull();
          expect(run.result.length).toBe(0);
        } else {
          expect(run.problem).toBeNull();
          expect(run.result.toString('latin1')).toBe(expected.toString('latin1'));
        }
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('still finds the end when over-long lines arrive in fragments', () => {
    const short = { ...strict, maxLineLength: 4 };
    fc.assert(
      fc.property(stream, packets, (bytes, sizes) => {
        const run = runDecoder(bytes, sizes, short);
        expect(run.end).toBe(modelDataEnd(bytes));
        const end = modelDataEnd(bytes);
        if (end >= 0 && modelStrictMessage(bytes.subarray(0, end - 3), 4) === null) {
          expect(run.problem).not.toBeNull();
        }
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });

  it('never stores NUL, even when bare line endings are tolerated', () => {
    fc.assert(
      fc.property(stream, packets, (bytes, sizes) => {
        const terminated = Buffer.concat([bytes, Buffer.from('\r\n.\r\n')]);
        const run = runDecoder(terminated, sizes, { ...strict, rejectBareLineEndings: false });
        const content = terminated.subarray(0, modelDataEnd(terminated) - 3);
        if (content.includes(0)) expect(run.problem).toBe('nul');
        if (run.problem === null) {
          // Tolerated bare LFs are stored as CRLF: the stored text has no bare line ending.
          expect(run.result.toString('latin1')).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
        }
      }),
      { seed: SEED + 3, numRuns: RUNS },
    );
  });
});

describe('every combination of CR, LF, dot and NUL around the terminator', () => {
  // All 1364 words of length 1..5 over {CR, LF, ".", NUL}, between a line of text and a forged
  // transaction: the decoder must end where the model says, and never inside the forged part
  // unless the word itself completes a real CRLF.CRLF.
  const alphabet = ['\r', '\n', '.', '\0'];
  const words: string[] = [];
  const grow = (prefix: string): void => {
    if (prefix.length > 0) words.push(prefix);
    if (prefix.length < 5) for (const c of alphabet) grow(prefix + c);
  };
  grow('');

  it('covers all of them', () => {
    expect(words).toHaveLength(4 + 16 + 64 + 256 + 1024);
  });

  it.each([true, false])('ends only on CRLF.CRLF (rejectBareLineEndings=%s)', (reject) => {
    const forged = 'MAIL FROM:<forged@evil.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nforged\r\n';
    for (const word of words) {
      const bytes = Buffer.from(`Subject: t\r\n\r\nhello${word}${forged}.\r\n`, 'latin1');
      const run = runDecoder(bytes, [7], { ...strict, rejectBareLineEndings: reject });
      const end = modelDataEnd(bytes);
      if (run.end !== end) throw new Error(`word ${JSON.stringify(word)}: ended at ${run.end}, not ${end}`);
      // "hello" ends in "o" and the forged part starts with "M": only the word can hold a CRLF.CRLF.
      const early = word.includes('\r\n.\r\n');
      if (early === (end === bytes.length)) throw new Error(`model: ${JSON.stringify(word)} at ${end}`);
    }
  });

  it('refuses every word with a bare CR, bare LF or NUL, and reads the rest as data', () => {
    for (const word of words) {
      const bytes = Buffer.from(
        `Subject: t\r\n\r\nhello${word}\r\nMAIL FROM:<x@evil.test>\r\n.\r\n`,
        'latin1',
      );
      const end = modelDataEnd(bytes);
      const run = runDecoder(bytes, [], strict);
      const expected = modelStrictMessage(bytes.subarray(0, end - 3), strict.maxLineLength);
      if ((run.problem === null) !== (expected !== null)) {
        throw new Error(`word ${JSON.stringify(word)}: problem ${run.problem}`);
      }
    }
  });
});
