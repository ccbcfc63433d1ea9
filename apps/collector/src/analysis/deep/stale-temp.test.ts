import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTempDirs } from './stale-temp.js';

describe('removeStaleTempDirs', () => {
  it('removes only old analysis dirs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdf-stale-'));
    const old = new Date(Date.now() - 3_600_000);
    for (const n of [
      'kdumpfleet-analysis-old',
      'kdumpfleet-deep-old',
      'kdumpfleet-analysis-new',
      'other-old',
    ]) {
      mkdirSync(join(dir, n));
      if (n.endsWith('-old')) utimesSync(join(dir, n), old, old);
    }
    expect(await removeStaleTempDirs(dir, 600_000)).toBe(2);
    expect(existsSync(join(dir, 'kdumpfleet-analysis-new'))).toBe(true);
    expect(existsSync(join(dir, 'other-old'))).toBe(true);
    expect(existsSync(join(dir, 'kdumpfleet-deep-old'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
