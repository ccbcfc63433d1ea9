// Every crash-lab fixture log (dumps and log-only) against its truth.json. The fixtures are read
// in place from ../shared/fixtures beside the repository.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseKernelLog } from './index.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = join(repoRoot, '..', 'shared', 'fixtures');

interface Truth {
  panic: { message: string | null };
  oops: {
    kind: string;
    culprit: { symbol: string; module: string | null };
    ripSymbol: string | null;
  };
}

const cases = ['vmcores', 'logs'].flatMap((group) => {
  const dir = join(fixtures, group);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => existsSync(join(dir, n, 'dmesg.txt')))
    .map((n) => ({ name: `${group}/${n}`, dir: join(dir, n) }));
});

describe('fixture logs', () => {
  it('finds the fixtures', () => {
    if (cases.length === 0)
      console.warn(`no fixtures under ${fixtures}: clone shared/ beside the repo`);
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const c of cases) {
    it(`${c.name}: kind, culprit, RIP and panic message match truth.json`, () => {
      const truth = JSON.parse(readFileSync(join(c.dir, 'truth.json'), 'utf8')) as Truth;
      const log = parseKernelLog(readFileSync(join(c.dir, 'dmesg.txt'), 'utf8'));
      const p = log.primary;
      expect(p).not.toBeNull();
      expect(p!.kind).toBe(truth.oops.kind);
      expect(p!.culprit).toEqual(truth.oops.culprit);
      expect(p!.rip?.symbol ?? null).toBe(truth.oops.ripSymbol);
      expect(log.panicMessage).toBe(truth.panic.message);
      expect(p!.title).toContain(truth.oops.culprit.symbol);
      expect(p!.signature).toMatch(/^[0-9a-f]{20}$/);
      if (p!.kind !== 'hung-task') expect(p!.hardware).toMatch(/^QEMU Standard PC/);
      expect(p!.pid).toBeGreaterThan(0);
    });
  }
});
