import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeOptionsFor } from '../probe-options.js';
import { scheduling } from './scheduling.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function root(withStatRefresh: boolean): string {
  const r = mkdtempSync(join(tmpdir(), 'kdf-sched-'));
  roots.push(r);
  mkdirSync(join(r, 'proc', 'sys', 'vm'), { recursive: true });
  if (withStatRefresh) writeFileSync(join(r, 'proc', 'sys', 'vm', 'stat_refresh'), '');
  return r;
}

describe('scheduling probe', () => {
  it('times a timer, a fork+exec and a system_wq round trip, naming each step before it', async () => {
    const steps: string[] = [];
    const a = await scheduling(probeOptionsFor(root(true), [], 2000), (s) => steps.push(s));
    expect(steps).toEqual([
      'timer',
      'fork+exec /bin/true',
      'system_wq round trip (read /proc/sys/vm/stat_refresh)',
    ]);
    expect(a.status).toBe('ok');
    expect(a.evidence[2]).toMatch(/^system_wq round trip \(.*stat_refresh\) took [\d.]+ ms$/);
  });
  it('without stat_refresh (no CONFIG_SMP, not root, a fake tree) the round trip is skipped, not a hang', async () => {
    const a = await scheduling(probeOptionsFor(root(false), [], 2000), () => {});
    expect(a.status).toBe('ok');
    expect(a.evidence[2]).toMatch(/^system_wq round trip skipped: .*stat_refresh: ENOENT$/);
  });
});
