import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  collectorMain,
  freePort,
  removeDir,
  startCollector,
  tempDataDir,
} from '../collector/harness.js';

// A bad DATABASE_URL stops the start with one line naming it and exit 2 (no stack trace), and
// never prints the password.
const built = existsSync(collectorMain);
if (!built) console.warn('test/pg database-url skipped — run `npm run build`');

describe.skipIf(!built)('DATABASE_URL at start', () => {
  it('refuses a bad or unreachable DATABASE_URL with one line and exit 2', async () => {
    const closed = await freePort(); // nothing listens there
    const cases: Array<[string, RegExp]> = [
      ['mysql://db/kdf', /DATABASE_URL: scheme mysql is not supported/],
      ['postgres://db.example', /DATABASE_URL: has no database name/],
      [
        `postgres://kdf:s3cret-pw@127.0.0.1:${closed}/kdf`,
        new RegExp(`DATABASE_URL: cannot connect to 127\\.0\\.0\\.1:${closed}/kdf`),
      ],
    ];
    for (const [url, message] of cases) {
      const dataDir = tempDataDir('dburl');
      try {
        const c = await startCollector({ dataDir, env: { DATABASE_URL: url }, waitLive: false });
        expect(await c.exited).toBe(2);
        const lines = c.output().trim().split('\n');
        expect(lines, c.output()).toHaveLength(1);
        expect(lines[0]).toMatch(message);
        expect(c.output()).not.toContain('s3cret-pw');
      } finally {
        removeDir(dataDir);
      }
    }
  });
});
