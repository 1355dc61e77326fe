import fc from 'fast-check';
import { JsonBodyError, nestingDepth, parseBoundedJson } from '../../../core/util/bounded-json';

/** The bounded JSON reader: its depth scan agrees with the parsed value's real depth, strings and escapes included. */
const SEED = 1111;

/** Reference depth of a parsed value, computed with an explicit stack. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v && typeof v === 'object') {
      deepest = Math.max(deepest, d + 1);
      for (const child of Object.values(v as object)) stack.push([child, d + 1]);
    }
  }
  return deepest;
}

describe('bounded JSON reader properties', () => {
  it('nestingDepth of any JSON text is the depth of its value', () => {
    // Strings full of brackets, quotes and backslashes are what a naive scan gets wrong.
    const tricky = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', 'é', '\u2028') });
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        tricky,
        fc.jsonValue({ maxDepth: 0 }),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(tricky, tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.boolean(), (v, pretty) => {
        const text = JSON.stringify(v, null, pretty ? 2 : undefined);
        expect(nestingDepth(Buffer.from(text))).toBe(depthOf(JSON.parse(text)));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('parseBoundedJson: the value within limits, else a JsonBodyError naming the limit', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 8 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 400 }),
        (v, maxDepth, maxBytes) => {
          const text = JSON.stringify(v);
          const size = Buffer.byteLength(text);
          let result: unknown;
          try {
            result = parseBoundedJson(text, { maxDepth, maxBytes });
          } catch (error) {
            expect(error).toBeInstanceOf(JsonBodyError);
            expect(error).toBeInstanceOf(SyntaxError);
            const problem = (error as JsonBodyError).problem;
            expect(problem).toBe(size > maxBytes ? 'too-large' : 'too-deep');
            if (problem === 'too-deep') expect(depthOf(v)).toBeGreaterThan(maxDepth);
            return;
          }
          expect(size).toBeLessThanOrEqual(maxBytes);
          expect(depthOf(v)).toBeLessThanOrEqual(maxDepth);
          expect(result).toEqual(JSON.parse(text));
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('malformed text within the limits is not-json', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        fc.pre(!valid);
        expect(() => parseBoundedJson(text, { maxDepth: 1000, maxBytes: 1000 })).toThrow(
          expect.objectContaining({ problem: 'not-json' }),
        );
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
