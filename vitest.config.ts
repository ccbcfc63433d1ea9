import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const libs = fileURLToPath(new URL('./libs/', import.meta.url));

/** The HTTP API suites that run on both databases (SQLite in `integration`, PostgreSQL here). */
const API_SUITES = [
  'test/collector/*.test.ts',
  'test/agent/nodes.test.ts',
  'test/agent/watch-heartbeat.test.ts',
  'test/analysis/triage-and-buckets.test.ts',
  'test/analysis/lease-expiry.test.ts',
  'test/e2e/authz.test.ts',
];

// Unit tests import libraries from source (no build needed); integration tests under test/
// start built processes (collector, agent) and real servers, so they run after `npm run build`.
export default defineConfig({
  resolve: {
    alias: [{ find: /^@kdumpfleet\/([a-z0-9-]+)$/, replacement: `${libs}$1/src/index.ts` }],
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['libs/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // Issue 10: the API suites again with every collector on PostgreSQL (a throw-away
        // cluster, test/pg/harness.ts). A group of its own (vitest runs groups one after the
        // other; `integration`, one file at a time, is its own last group), so the two never
        // share the cores.
        extends: true,
        test: {
          name: 'api-on-postgres',
          include: API_SUITES,
          env: { KDF_TEST_DATABASE: 'postgres' },
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
