import { describe, expect, it } from 'vitest';
import { GiB, MiB } from './size.js';
import { sizeCrashkernel } from './sizing.js';

describe('sizeCrashkernel', () => {
  const base = { cpus: 2, luksDevices: 0, flavor: null } as const;

  it('a small lab guest with a tiny initrd needs less than 100 MiB', () => {
    const s = sizeCrashkernel({ ...base, ramBytes: 384 * MiB, initrdBytes: 2 * MiB });
    expect(s.neededBytes).toBe(96 * MiB);
    expect(s.recommended).toBe('crashkernel=96M');
  });

  it('grows with RAM, CPUs, initrd and LUKS, each term explained', () => {
    const small = sizeCrashkernel({ ...base, ramBytes: 16 * GiB, initrdBytes: 30 * MiB });
    const big = sizeCrashkernel({
      ...base,
      ramBytes: 1024 * GiB,
      cpus: 256,
      initrdBytes: 30 * MiB,
    });
    const luks = sizeCrashkernel({
      ...base,
      ramBytes: 16 * GiB,
      initrdBytes: 30 * MiB,
      luksDevices: 1,
    });
    expect(big.neededBytes - small.neededBytes).toBeGreaterThanOrEqual(1008 * MiB + 63 * MiB);
    expect(luks.neededBytes - small.neededBytes).toBe(256 * MiB);
    expect(luks.explanation.join('\n')).toMatch(/LUKS/);
    expect(small.explanation.join('\n')).toMatch(/30.0 MiB capture initrd/);
  });

  it('never recommends below the RHEL default for the RAM', () => {
    const s = sizeCrashkernel({ ...base, flavor: 'rhel', ramBytes: 8 * GiB, initrdBytes: 1 * MiB });
    expect(s.neededBytes).toBeLessThan(256 * MiB);
    expect(s.recommendedBytes).toBe(256 * MiB);
    expect(s.explanation.join('\n')).toMatch(/RHEL default/);
  });

  it('assumes a 16 MiB initrd when the file is missing', () => {
    const s = sizeCrashkernel({ ...base, ramBytes: 4 * GiB, initrdBytes: null });
    expect(s.explanation[1]).toMatch(/unknown size/);
    expect(s.neededBytes).toBe(160 * MiB);
  });
});
