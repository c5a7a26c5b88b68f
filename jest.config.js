// Jest runs the TypeScript sources as native ES modules (ts-jest `useESM`), because
// @middy/core 6 and several of our dependencies ship ESM only. Type checking is done by
// `npm run typecheck`; ts-jest only transpiles (isolatedModules) to keep the suite fast.
// Quiet tests: the logger (lib/shared/logger.ts) writes WARN and above, into
// .gatewarden/test-logs.jsonl (test/support/quietLogs.js), unless GATEWARDEN_TEST_LOGS=1.
// Set here, in the process that starts everything, so test workers, the global setup and
// every CLI or Lambda process a test spawns inherit it. A test that needs
// lower levels (e.g. to scan logs for canary secrets) sets its logger's level itself.
if (process.env.GATEWARDEN_TEST_LOGS !== '1') process.env.GATEWARDEN_LOG_LEVEL ??= 'WARN';

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  testEnvironment: 'node',
  // Log lines go to .gatewarden/test-logs.jsonl unless GATEWARDEN_TEST_LOGS=1.
  setupFiles: ['<rootDir>/test/support/quietLogs.js'],
};

/** @type {import('jest').Config} */
export default {
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      // Unit tests spawn the CLI too: bring its bundle up to date first.
      globalSetup: '<rootDir>/test/support/buildCli.js',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/lib/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/globalSetup.js',
      globalTeardown: '<rootDir>/test/support/globalTeardown.js',
      // Each test fails on a call the shared stack's IAM refused that it did not expect.
      // scripts/mutateRoles.ts holds a warmed-up run of the role tests at the gate until it
      // has taken the next statement out (test/support/mutateGate.ts; inert otherwise).
      setupFilesAfterEnv: [
        '<rootDir>/test/support/mutateGate.ts',
        '<rootDir>/test/support/iamDenials.ts',
      ],
      testTimeout: 120_000,
    },
  ],
  // moto is not safe under concurrent writers; integration tests isolate names, and the
  // suite runs files in band so the shared local stack sees one test file at a time.
  maxWorkers: 1,
};
