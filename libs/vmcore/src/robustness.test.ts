import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddressTranslationError,
  openVmcore,
  PageNotPresentError,
  VmcoreContainerError,
  VmcoreFormatError,
  type ByteSource,
} from './index.js';
import { clampLength } from './source/byte-source.js';
import { decompressZstdToTemp, listVmcoreFixtures } from './testing/fixtures.js';

/** a fixture's bytes with some bytes overwritten and/or cut short, without copying the file */
class MutatedSource implements ByteSource {
  bytesRead = 0;
  readonly description = 'mutated fixture';
  constructor(
    private readonly base: Uint8Array,
    readonly size: number,
    private readonly patches: Map<number, number>,
  ) {}
  read(offset: number, length: number): Promise<Uint8Array> {
    const n = clampLength(this.size, offset, length);
    const out = this.base.slice(offset, offset + n);
    for (const [at, val] of this.patches)
      if (at >= offset && at < offset + n) out[at - offset] = val;
    this.bytesRead += n;
    return Promise.resolve(out);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const TYPED = [
  VmcoreFormatError,
  VmcoreContainerError,
  PageNotPresentError,
  AddressTranslationError,
];

/** open, read the log, resolve a symbol: each step may fail, but only with our typed errors */
async function exercise(source: ByteSource): Promise<string> {
  const outcome: string[] = [];
  const step = async (name: string, f: () => Promise<unknown>): Promise<boolean> => {
    try {
      await f();
      outcome.push(`${name}:ok`);
      return true;
    } catch (e) {
      if (!TYPED.some((T) => e instanceof T))
        throw new Error(`${name}: untyped ${(e as Error)?.name}: ${(e as Error)?.message}`, {
          cause: e,
        });
      outcome.push(`${name}:${(e as { code: string }).code}`);
      return false;
    }
  };
  let v: Awaited<ReturnType<typeof openVmcore>> | undefined;
  if (!(await step('open', async () => (v = await openVmcore(source))))) return outcome.join(' ');
  await step('dmesg', () => v!.readKernelLog());
  await step('kallsyms', async () => {
    const ks = await v!.kallsyms();
    await ks.lookup(v!.vmcoreinfo?.symbol('init_uts_ns') ?? 0n);
  });
  return outcome.join(' ');
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms (hang?)`)), ms),
    ),
  ]);
}

/** VMCORE_FUZZ_SCALE scales the number of runs for a longer local search */
const runs = (n: number): number =>
  Math.max(1, Math.round(n * Number(process.env.VMCORE_FUZZ_SCALE ?? 1)));
const allFixtures = listVmcoreFixtures();
const fixtures = allFixtures.filter((f) => !f.dumpPath.endsWith('.zst'));
const elfFixture = allFixtures.find((f) => f.truth.format === 'elf' && f.dumpPath.endsWith('.zst'));
if (fixtures.length === 0) {
  console.warn('no uncompressed vmcore fixtures: robustness properties skipped');
}
describe.skipIf(fixtures.length === 0)('robustness on damaged real dumps', () => {
  const dumps = fixtures.map((f) => ({
    name: f.name,
    bytes: new Uint8Array(readFileSync(f.dumpPath)),
  }));
  const temps: string[] = [];
  beforeAll(async () => {
    // one ELF dump too (decompressed once; the property runs read it in place)
    if (!elfFixture) return;
    const path = await decompressZstdToTemp(elfFixture.dumpPath);
    temps.push(dirname(path));
    dumps.push({ name: elfFixture.name, bytes: new Uint8Array(readFileSync(path)) });
  }, 120_000);
  afterAll(async () => {
    for (const t of temps) await rm(t, { recursive: true, force: true });
  });
  // chained so that the ELF dump added in beforeAll is among the choices
  const dumpArb = fc.constant(null).chain(() => fc.constantFrom(...dumps));

  it('bit flips in headers, bitmaps, descriptors and anywhere end in a result or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(
        dumpArb,
        fc.array(fc.tuple(fc.oneof(fc.nat(64 * 1024), fc.nat()), fc.nat(7)), {
          minLength: 1,
          maxLength: 16,
        }),
        async (d, flips) => {
          const patches = new Map<number, number>();
          for (const [pos, bit] of flips) {
            const at = pos % d.bytes.length;
            patches.set(at, (patches.get(at) ?? d.bytes[at]!) ^ (1 << bit));
          }
          await withTimeout(exercise(new MutatedSource(d.bytes, d.bytes.length, patches)), 10_000);
        },
      ),
      { numRuns: runs(60) },
    );
  }, 300_000);

  it('truncated files end in a result or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(dumpArb, fc.double({ min: 0, max: 1, noNaN: true }), async (d, frac) => {
        const size = Math.floor(d.bytes.length * frac * frac); // bias towards short files
        await withTimeout(exercise(new MutatedSource(d.bytes, size, new Map())), 10_000);
      }),
      { numRuns: runs(40) },
    );
  }, 300_000);

  it('hostile header values (huge counts, bogus offsets) are refused or contained', async () => {
    const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
    // kdump header/sub header fields, and ELF e_phoff, e_phentsize/e_phnum, note and load phdrs
    const fields = [
      32,
      54,
      56,
      72,
      96,
      128 + 8,
      128 + 32,
      428,
      432,
      436,
      440,
      460,
      4096 + 32,
      4096 + 40,
      4096 + 48,
      4096 + 56,
      4096 + 96,
      4096 + 100,
    ];
    await fc.assert(
      fc.asyncProperty(
        dumpArb,
        fc.constantFrom(...fields),
        fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff, 0x80000000, 4096, 0x10000000),
        async (d, field, value) => {
          const patches = new Map<number, number>();
          u32(value).forEach((b, i) => patches.set(field + i, b));
          const r = await withTimeout(
            exercise(new MutatedSource(d.bytes, d.bytes.length, patches)),
            10_000,
          );
          expect(typeof r).toBe('string');
        },
      ),
      { numRuns: runs(40) },
    );
  }, 300_000);
});
