/** Unit and end-to-end suites that need nothing but Node (`npm test`). */
module.exports = {
  testEnvironment: 'node',
  transform: {
    // @middy/* ship ESM only: the Lambda wrapper loads them with a real dynamic import() (jest
    // runs with --experimental-vm-modules), so that one file keeps its import() untranspiled.
    '/functions/lambda/wrap\\.ts$': [
      '@swc/jest',
      {
        jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
        module: { type: 'commonjs', ignoreDynamic: true },
      },
    ],
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/'],
  testTimeout: 60000,
  // FAST_CHECK_SCALE=N: every property with N times its runs (test/setup/fast-check-scaled.ts).
  moduleNameMapper: process.env.FAST_CHECK_SCALE
    ? { '^fast-check$': '<rootDir>/test/setup/fast-check-scaled.ts' }
    : {},
  // jest's default on 2 cores is one worker; most suites wait on child processes and sockets, so
  // two keep npm test well under its 10-minute budget on this machine size.
  maxWorkers: 2,
};
