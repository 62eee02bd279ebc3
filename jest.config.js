/** Jest runs in native ESM mode (NestJS 12 is ESM-only): see the test scripts in package.json. */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};

export default {
  // Lists what was skipped for a missing prerequisite at the end of a run (test/support/prerequisites.ts).
  reporters: ['default', '<rootDir>/test/support/prerequisite-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      rootDir: '.',
      roots: ['<rootDir>/src', '<rootDir>/migrations', '<rootDir>/scripts'],
      testMatch: ['**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
    },
  ],
};
