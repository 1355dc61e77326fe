/**
 * The parser faces uploaded scripts: for any text it terminates with ok or an error at a
 * 1-based position, and generated valid scripts compile and keep their string values.
 */
import fc from 'fast-check';
import { compileSieve, runSieve, sieveString } from '../../../core/sieve';
import { env, folders } from './helpers';

const tokens = fc.constantFrom(
  'require',
  '"fileinto"',
  'if',
  'elsif',
  'else',
  'header',
  ':is',
  ':contains',
  ':matches',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  ';',
  ',',
  'keep',
  'discard',
  'stop',
  'text:\n',
  '\n.\n',
  '"a"',
  '"${1}"',
  '10K',
  '#c\n',
  '/*',
  '*/',
  'anyof',
  'allof',
  'not',
  'true',
  'fileinto',
  ':comparator',
  '"i;octet"',
  ' ',
  '\n',
  '\\',
  '"',
);

const header = fc.constantFrom('subject', 'from', 'to', 'x-count');
const key = fc.string({ maxLength: 12 });
const testArb: fc.Arbitrary<string> = fc.letrec<{ test: string }>((tie) => ({
  test: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant('true'),
    fc.constant('false'),
    fc
      .tuple(fc.constantFrom(':is', ':contains', ':matches'), header, key)
      .map(([m, h, k]) => `header ${m} ${sieveString(h)} ${sieveString(k)}`),
    fc
      .tuple(header, fc.array(key, { minLength: 1, maxLength: 3 }))
      .map(([h, ks]) => `address :all :contains ${sieveString(h)} [${ks.map(sieveString).join(', ')}]`),
    tie('test').map((t) => `not ${t}`),
    fc.array(tie('test'), { minLength: 1, maxLength: 3 }).map((ts) => `anyof (${ts.join(', ')})`),
    fc.array(tie('test'), { minLength: 1, maxLength: 3 }).map((ts) => `allof (${ts.join(', ')})`),
  ),
})).test;

describe('Sieve parser properties', () => {
  it('arbitrary text: never throws, ok or an error at line >= 1 and column >= 1', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.array(tokens, { maxLength: 60 }).map((t) => t.join(' ')),
        ),
        (text) => {
          const r = compileSieve(text);
          if (!r.ok) {
            expect(r.error.line).toBeGreaterThanOrEqual(1);
            expect(r.error.column).toBeGreaterThanOrEqual(1);
            expect(r.error.message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('generated valid scripts compile and run without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(testArb, key), { minLength: 1, maxLength: 4 }), async (rules) => {
        const text =
          'require "fileinto";\n' +
          rules.map(([t, box]) => `if ${t} {\n  fileinto ${sieveString(box)};\n}`).join('\n');
        const r = compileSieve(text);
        expect(r.ok).toBe(true);
        if (r.ok) {
          const result = await runSieve(r.script, env());
          expect(result.error).toBeUndefined();
        }
      }),
      { numRuns: 100 },
    );
  });

  it('a string quoted with sieveString round-trips through compile and run', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40, unit: 'grapheme' }), async (s) => {
        const r = compileSieve(`require "fileinto";\nfileinto ${sieveString(s)};`);
        expect(r.ok).toBe(true);
        if (r.ok) expect(folders(await runSieve(r.script, env()))).toEqual([s]);
      }),
      { numRuns: 200 },
    );
  });
});
