// The SDK warns on every run that its 2027 releases need node 22; tests run on the pinned SDK and node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Jest's default on 2 cores is one worker; the emulator suites spend much of their time waiting on terraform and the
  // emulator's own processes, so two overlap well (8 min to 5 here). More would run that many 700 MB providers at once.
  maxWorkers: 2,
  // tsconfig's isolatedModules makes ts-jest transpile only (fast); type checking is `npm run typecheck`.
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  collectCoverage: true,
  collectCoverageFrom: ['lambda/**/*.ts', 'core/**/*.ts'],
  coverageReporters: ['text-summary'],
  coverageThreshold: { './lambda/': { lines: 95 }, './core/': { lines: 95 } },
};
