import fc from 'fast-check';
import { DEFAULT_LIMITS, type JmapLimits } from '../../../core/jmap/context';
import { JmapRequestError } from '../../../core/jmap/errors';
import { parseRequestBody } from '../../../core/jmap/request-body';

/**
 * Properties of the JMAP request parser (bytes → JmapRequest, issue #11): whatever the body, the
 * answer is a request or a JmapRequestError with status 400 and an RFC 8620 §3.6.1 type — never
 * a RangeError or any other crash — and nesting past the limit is refused before anything walks it.
 */
const SEED = 8620;
const REQUEST_ERRORS = [
  'urn:ietf:params:jmap:error:notJSON',
  'urn:ietf:params:jmap:error:notRequest',
  'urn:ietf:params:jmap:error:limit',
  'urn:ietf:params:jmap:error:unknownCapability',
];
const CORE = 'urn:ietf:params:jmap:core';
const LIMITS: JmapLimits = { ...DEFAULT_LIMITS, maxSizeRequest: 4096 };
const MAX_DEPTH = 16;

/** The outcome of parsing, with anything but a JmapRequestError rethrown (so the property fails). */
function outcome(body: Uint8Array): { ok: true } | { ok: false; type: string; status: number } {
  try {
    parseRequestBody(body, LIMITS, MAX_DEPTH);
    return { ok: true };
  } catch (error) {
    if (!(error instanceof JmapRequestError)) throw error;
    return { ok: false, type: error.type, status: error.status };
  }
}

const expectRequestError = (result: ReturnType<typeof outcome>) => {
  if (result.ok) return;
  expect(result.status).toBe(400);
  expect(REQUEST_ERRORS).toContain(result.type);
};

/** A nesting of `kinds` (true: array, false: object) around `inner`, built without recursion. */
function nest(kinds: boolean[], inner: string): string {
  const open = kinds.map((array) => (array ? '[' : '{"k":')).join('');
  const close = kinds
    .map((array) => (array ? ']' : '}'))
    .reverse()
    .join('');
  return open + inner + close;
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('JMAP request parser properties', () => {
  it('arbitrary bytes: a request or a 400 request error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (body) => expectRequestError(outcome(body))),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('arbitrary JSON values: a request or a 400 request error', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) =>
        expectRequestError(outcome(bytes(JSON.stringify(value)))),
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('well-formed requests parse, method calls intact', () => {
    const call = fc.tuple(
      fc.string({ minLength: 1, maxLength: 20 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(call, { maxLength: 5 }), (methodCalls) => {
        const text = JSON.stringify({ using: [CORE], methodCalls });
        fc.pre(Buffer.byteLength(text) <= LIMITS.maxSizeRequest);
        expect(parseRequestBody(bytes(text), LIMITS, MAX_DEPTH).methodCalls).toEqual(
          JSON.parse(text).methodCalls,
        );
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('nesting anywhere in the request: refused as notRequest past the limit, parsed within it', () => {
    fc.assert(
      fc.property(
        // Depths around the limit often, and far past it (thousands of levels); arrays and
        // objects mixed by a pattern repeated to that length.
        fc.oneof(fc.integer({ min: 1, max: 2 * MAX_DEPTH }), fc.integer({ min: 2 * MAX_DEPTH, max: 6000 })),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.jsonValue({ maxDepth: 0 }),
        (levels, pattern, leaf) => {
          const kinds = Array.from({ length: levels }, (_, i) => pattern[i % pattern.length]);
          // The request object, methodCalls, one call, its arguments: 4 levels before the nesting.
          const text = `{"using":["${CORE}"],"methodCalls":[["Core/echo",{"x":${nest(kinds, JSON.stringify(leaf))}},"c"]]}`;
          const result = outcome(bytes(text));
          const depth = 4 + kinds.length;
          if (depth > MAX_DEPTH || Buffer.byteLength(text) > LIMITS.maxSizeRequest) {
            expect(result).toMatchObject({ ok: false, status: 400 });
            if (Buffer.byteLength(text) <= LIMITS.maxSizeRequest)
              expect(result).toMatchObject({ type: 'urn:ietf:params:jmap:error:notRequest' });
          } else expect(result).toEqual({ ok: true });
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('5,000 levels of arrays in Core/echo (issue #11): notRequest, no stack overflow', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const body = bytes(`{"using":["${CORE}"],"methodCalls":[["Core/echo",{"x":${deep}},"c"]]}`);
    expect(() => parseRequestBody(body)).toThrow(
      expect.objectContaining({ type: 'urn:ietf:params:jmap:error:notRequest', status: 400 }),
    );
  });

  it('a body over maxSizeRequest: limit, naming the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: LIMITS.maxSizeRequest + 1, max: LIMITS.maxSizeRequest * 3 }), (size) => {
        const body = bytes(`{"using":[],"methodCalls":[],"pad":"${'x'.repeat(size)}"}`);
        let error: unknown;
        try {
          parseRequestBody(body, LIMITS, MAX_DEPTH);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(JmapRequestError);
        expect(error).toMatchObject({
          type: 'urn:ietf:params:jmap:error:limit',
          extra: { limit: 'maxSizeRequest' },
        });
      }),
      { seed: SEED, numRuns: 50 },
    );
  });
});
