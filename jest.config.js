/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking is `npm run typecheck`; ts-jest only transpiles, which keeps the suites fast.
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  collectCoverage: true,
  collectCoverageFrom: ['lambda/**/*.ts'],
  coverageReporters: ['text-summary'],
  coverageThreshold: { './lambda/': { lines: 95 } },
};
