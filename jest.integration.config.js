/** Suites that need system services (PostgreSQL, HAProxy, Postfix …); run by .ci/run. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  testTimeout: 120000,
};
