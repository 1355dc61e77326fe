/**
 * fast-check with every property's numRuns multiplied by FAST_CHECK_SCALE (seeds kept): the
 * deeper fuzzing run for a change to a network-facing parser, e.g.
 * `FAST_CHECK_SCALE=10 npx jest test/unit/fuzz test/unit/eas`. jest.config.js maps 'fast-check'
 * here only when the variable is set; npm test runs properties as their suites say.
 */
// The real package by its file, which the '^fast-check$' mapping does not catch.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const real = require('../../node_modules/fast-check/lib/cjs/fast-check.js') as typeof import('fast-check');

const scale = Math.max(1, Math.floor(Number(process.env.FAST_CHECK_SCALE ?? 1)));
const assert: typeof real.assert = (property, params) =>
  real.assert(property as never, { ...params, numRuns: (params?.numRuns ?? 100) * scale } as never) as never;

module.exports = { ...real, assert, default: { ...real, assert } };
