import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const libs = fileURLToPath(new URL('./libs/', import.meta.url));

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
    ],
  },
});
