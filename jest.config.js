/** Jest runs in native ESM mode (NestJS 12 is ESM-only): see the test scripts in package.json. */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};

/**
 * E2E_TARGET=timescale runs only these end-to-end specs: the ones that exercise storage (readings, history, the
 * durable write and its ack, alarms and metrics that read the database) and the Timescale-only ones. The full
 * suite already runs twice in CI (embedded, services) and CI has 30 minutes; the rest of the suite does not touch
 * what TimescaleDB changes. The delivery spec (SIGKILL, database outage, broker restart: 90 s) is left out on
 * purpose: what it adds on a hypertable, a redelivered batch absorbed by the unique key even in compressed chunks,
 * is checked by timescale-storage. docs/testing.md says the same; add a spec here when it exercises storage.
 */
const TIMESCALE_SPECS = [
  'historian',
  'pipeline',
  'sensors',
  'alarms',
  'metrics',
  'timescale-storage',
  'timescale-historian',
];
/** The Timescale-only specs (test/e2e/timescale-*.e2e-spec.ts) run on that target only. */
const e2eMatch =
  process.env.E2E_TARGET === 'timescale'
    ? TIMESCALE_SPECS.map((name) => `**/test/e2e/${name}.e2e-spec.ts`)
    : ['**/*.e2e-spec.ts'];
/**
 * Specs that test the same thing whatever the target run on one only (CI has 30 minutes): the embedded database's
 * lockdown on the embedded target; the two-backend specs, which always use the real PostgreSQL (PG_URL), on the
 * services target.
 */
const ONLY_ON = {
  'embedded-database': 'embedded',
  'shared-subscription': 'services',
  'realtime-scale-out': 'services',
  'notifications-scale-out': 'services',
};
const target = process.env.E2E_TARGET || 'embedded';
const e2eIgnore =
  target === 'timescale'
    ? []
    : [
        '/test/e2e/timescale-[^/]*\\.e2e-spec\\.ts$',
        ...Object.entries(ONLY_ON)
          .filter(([, only]) => only !== target)
          .map(([name]) => `/test/e2e/${name}\\.e2e-spec\\.ts$`),
      ];

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
      testMatch: e2eMatch,
      testPathIgnorePatterns: ['/node_modules/', ...e2eIgnore],
    },
  ],
};
