import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyRetention } from './retention.js';
import { UploadLedger } from './upload-ledger.js';

describe('applyRetention', () => {
  it('deletes only dumps the collector confirmed longer ago than the retention', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kdf-retention-'));
    const ledger = new UploadLedger(join(root, 'state'));
    const dump = (stamp: string) => {
      mkdirSync(join(root, stamp));
      const p = join(root, stamp, `dump.${stamp}`);
      writeFileSync(p, 'x');
      return p;
    };
    const now = Date.parse('2026-11-23T12:00:00Z');
    const old = dump('202611010000');
    const fresh = dump('202611230000');
    const unconfirmed = dump('202610010000');
    const up = (path: string, at: string) =>
      ledger.put({
        path,
        size: 1,
        mtimeMs: 1,
        uploaded: { dumpId: 'd', sha256: 's', at, collectorUrl: 'http://c' },
      });
    up(old, '2026-11-02T00:00:00Z');
    up(fresh, '2026-11-23T11:00:00Z');
    ledger.put({ path: unconfirmed, size: 1, mtimeMs: 1, uploadUrl: 'http://c/api/v1/uploads/x' });
    const deleted = await applyRetention(ledger, 7 * 86_400_000, now);
    expect(deleted).toEqual([old]);
    expect(existsSync(join(root, '202611010000'))).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(unconfirmed)).toBe(true);
    expect(ledger.get(old)?.deletedAt).toBe('2026-11-23T12:00:00.000Z');
    expect(await applyRetention(ledger, 7 * 86_400_000, now)).toEqual([]);
  });
});
