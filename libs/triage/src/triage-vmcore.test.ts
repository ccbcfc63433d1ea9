// In-process triage of the fixture dumps that need no decompression (the CLI integration tests
// under test/triage cover the .zst ones), plus the log-only path and bad input.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { triageResultSchema } from '@kdumpfleet/contracts';
import { BufferSource, FileSource, VmcoreFormatError } from '@kdumpfleet/vmcore';
import { describe, expect, it } from 'vitest';
import { isoSeconds, triageKernelLog, triageVmcore, triageVmcoreDetailed } from './index.js';

const fixtures = join(
  fileURLToPath(new URL('../../../', import.meta.url)),
  '..',
  'shared',
  'fixtures',
);

interface Truth {
  file: string;
  size: number;
  container: string;
  format: string;
  compression: string;
  incomplete: boolean;
  kernel: { release: string; version: string; machine: string; buildId: string | null };
  crashTime: string | null;
  panic: { message: string | null };
  oops: {
    kind: string;
    culprit: { symbol: string; module: string | null };
    ripSymbol: string | null;
  };
}

const dumps = existsSync(join(fixtures, 'vmcores'))
  ? readdirSync(join(fixtures, 'vmcores')).map((name) => {
      const dir = join(fixtures, 'vmcores', name);
      return {
        name,
        dir,
        truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth,
      };
    })
  : [];
const inPlace = dumps.filter((d) => d.truth.container !== 'zstd');

describe('triageVmcore on fixture dumps read in place', () => {
  it('has dumps to read', () => {
    if (inPlace.length === 0) console.warn(`no vmcore fixtures under ${fixtures}`);
    expect(inPlace.length).toBeGreaterThanOrEqual(3);
  });

  for (const d of inPlace) {
    it(`${d.name}: every truth.json field, a valid schema, under 5 % of the file read`, async () => {
      const source = await FileSource.open(join(d.dir, d.truth.file));
      const out = await triageVmcoreDetailed(source);
      const r = out.result;
      expect(triageResultSchema.parse(r)).toEqual(r);
      expect(r.container).toBe(d.truth.container);
      expect(r.format).toBe(d.truth.format);
      expect(r.compression).toBe(d.truth.compression);
      expect(r.incomplete).toBe(d.truth.incomplete);
      expect(r.kernel).toEqual(d.truth.kernel);
      expect(r.crashTime).toBe(d.truth.crashTime);
      expect(r.panic.message).toBe(d.truth.panic.message);
      expect(r.oops!.kind).toBe(d.truth.oops.kind);
      expect(r.oops!.culprit).toEqual(d.truth.oops.culprit);
      expect(r.oops!.ripSymbol).toBe(d.truth.oops.ripSymbol);
      expect(out.kernelLog).toBe(readFileSync(join(d.dir, 'dmesg.txt'), 'latin1'));
      expect(r.dmesg.lines).toBe(out.kernelLog!.split('\n').length - 1);
      expect(r.signature).toBe(triageKernelLog(out.kernelLog!).signature);
      expect(r.timings.bytesRead).toBeGreaterThan(0);
      expect(r.timings.bytesRead / d.truth.size).toBeLessThan(0.05);
    });
  }
});

describe('bad input', () => {
  it('garbage bytes → the vmcore library typed error', async () => {
    const garbage = new Uint8Array(64 * 1024).map((_, i) => (i * 7919) & 0xff);
    await expect(triageVmcore(new BufferSource(garbage, 'garbage'))).rejects.toBeInstanceOf(
      VmcoreFormatError,
    );
  });

  it('a dump cut after its header → partial result with the log error, not a throw', async () => {
    const kd = inPlace.find((d) => d.truth.container === 'none');
    if (!kd) return expect.fail('no kdump-compressed fixture');
    const bytes = readFileSync(join(kd.dir, kd.truth.file)).subarray(0, 1_000_000);
    const out = await triageVmcoreDetailed(new BufferSource(new Uint8Array(bytes), 'cut'));
    expect(out.logError).not.toBeNull();
    expect(out.kernelLog).toBeNull();
    expect(out.result.oops).toBeNull();
    expect(out.result.kernel.release).toBe(kd.truth.kernel.release);
    expect(out.result.warnings.join('\n')).toMatch(/kernel log not readable/);
  });
});

describe('pieces', () => {
  it('crash time is ISO-8601 UTC at one-second resolution', () => {
    expect(isoSeconds(new Date(1795423317_000))).toBe('2026-11-23T08:41:57Z');
    expect(isoSeconds(new Date(1795423317_999))).toBe('2026-11-23T08:41:57Z');
    expect(isoSeconds(null)).toBeNull();
    expect(isoSeconds(new Date(Number.NaN))).toBeNull();
  });

  it('a log without a report gives oops and signature null', () => {
    const t = triageKernelLog('[    0.000000] Linux version 6.1.0\n');
    expect(t.oops).toBeNull();
    expect(t.signature).toBeNull();
    expect(t.panic.message).toBeNull();
  });
});
