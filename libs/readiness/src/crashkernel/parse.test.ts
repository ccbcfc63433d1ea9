import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrashkernelSyntaxError } from '../errors.js';
import {
  formatCrashkernel,
  parseCrashkernel,
  resolveCrashkernel,
  type CrashkernelSpec,
} from './parse.js';
import { GiB, MiB } from './size.js';

describe('parseCrashkernel', () => {
  it('reads every form the kernel documents', () => {
    expect(parseCrashkernel('256M')).toEqual({ kind: 'fixed', size: 256 * MiB, offset: null });
    expect(parseCrashkernel('128M@16M')).toEqual({
      kind: 'fixed',
      size: 128 * MiB,
      offset: 16 * MiB,
    });
    expect(parseCrashkernel('0x10000000')).toEqual({
      kind: 'fixed',
      size: 256 * MiB,
      offset: null,
    });
    expect(parseCrashkernel('512M,high')).toEqual({ kind: 'high', size: 512 * MiB });
    expect(parseCrashkernel('72M,low')).toEqual({ kind: 'low', size: 72 * MiB });
    expect(parseCrashkernel('1G,cma')).toEqual({ kind: 'cma', size: GiB });
    expect(parseCrashkernel('auto')).toEqual({ kind: 'auto' });
    expect(parseCrashkernel('1G-4G:192M,4G-64G:256M,64G-:512M')).toEqual({
      kind: 'ranges',
      offset: null,
      ranges: [
        { start: GiB, end: 4 * GiB, size: 192 * MiB },
        { start: 4 * GiB, end: 64 * GiB, size: 256 * MiB },
        { start: 64 * GiB, end: null, size: 512 * MiB },
      ],
    });
    expect(parseCrashkernel('512M-2G:64M,2G-:128M@16M')).toMatchObject({
      kind: 'ranges',
      offset: 16 * MiB,
    });
  });

  it('rejects malformed values with the offset of the fault', () => {
    const cases: [string, number][] = [
      ['', 0],
      ['abc', 0],
      ['256X', 3],
      ['1G-4G192M', 2],
      ['4G-1G:64M', 3],
      ['1G-4G:', 6],
      ['256M@', 5],
      ['256M,high,low', 4],
    ];
    for (const [v, off] of cases) {
      let err: unknown;
      try {
        parseCrashkernel(v);
      } catch (e) {
        err = e;
      }
      expect(err, v).toBeInstanceOf(CrashkernelSyntaxError);
      expect((err as CrashkernelSyntaxError).offset, v).toBe(off);
    }
  });

  const size = fc.integer({ min: 1, max: 4096 }).map((n) => n * MiB);
  const spec: fc.Arbitrary<CrashkernelSpec> = fc.oneof(
    fc.record({
      kind: fc.constant('fixed' as const),
      size,
      offset: fc.option(size, { nil: null }),
    }),
    fc.record({ kind: fc.constantFrom('high' as const, 'low' as const, 'cma' as const), size }),
    fc
      .tuple(
        fc.uniqueArray(fc.integer({ min: 0, max: 512 }), { minLength: 2, maxLength: 6 }),
        fc.array(size, { minLength: 6, maxLength: 6 }),
        fc.boolean(),
        fc.option(size, { nil: null }),
      )
      .map(([bounds, sizes, open, offset]) => {
        const b = [...bounds].sort((x, y) => x - y).map((g) => g * GiB);
        const ranges = b
          .slice(0, -1)
          .map((start, i) => ({ start, end: b[i + 1] as number, size: sizes[i] as number }));
        if (open)
          ranges.push({
            start: b[b.length - 1] as number,
            end: null as unknown as number,
            size: sizes[5] as number,
          });
        return {
          kind: 'ranges' as const,
          ranges: ranges.map((r) => ({ ...r, end: r.end ?? null })),
          offset,
        };
      }),
  );

  it('reads back what it formats (property)', () => {
    fc.assert(
      fc.property(spec, (s) => {
        expect(parseCrashkernel(formatCrashkernel(s))).toEqual(s);
      }),
    );
  });

  it('never throws anything but CrashkernelSyntaxError (property)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(...'0123456789KMGxX-:,@hilowcmaut '.split('')),
          maxLength: 30,
        }),
        (v) => {
          try {
            parseCrashkernel(v);
          } catch (e) {
            expect(e).toBeInstanceOf(CrashkernelSyntaxError);
          }
        },
      ),
    );
  });
});

describe('resolveCrashkernel', () => {
  it('picks the range holding the RAM size, end exclusive', () => {
    const spec = '1G-4G:192M,4G-64G:256M,64G-:512M';
    expect(resolveCrashkernel([spec], 512 * MiB).size).toBe(0);
    expect(resolveCrashkernel([spec], 2 * GiB).size).toBe(192 * MiB);
    expect(resolveCrashkernel([spec], 4 * GiB).size).toBe(256 * MiB);
    expect(resolveCrashkernel([spec], 128 * GiB).size).toBe(512 * MiB);
  });

  it('combines ,high with ,low; the last plain form wins; errors are collected', () => {
    const r = resolveCrashkernel(['128M', '512M,high', '96M,low', 'bogus'], 16 * GiB);
    expect(r).toMatchObject({ size: 512 * MiB, high: true, low: 96 * MiB });
    expect(r.errors).toHaveLength(1);
    expect(resolveCrashkernel(['512M,high', '256M'], 16 * GiB)).toMatchObject({
      size: 256 * MiB,
      high: false,
      low: null,
    });
  });
});
