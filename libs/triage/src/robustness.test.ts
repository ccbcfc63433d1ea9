// Bit-flipped, truncated and hostile dumps through the whole triage path: a typed error or a
// partial result, never an untyped crash or a hang.
import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BufferSource } from '@kdumpfleet/vmcore';
import { describe, expect, it } from 'vitest';
import { triageVmcoreDetailed } from './index.js';

const fixtures = join(
  fileURLToPath(new URL('../../../', import.meta.url)),
  '..',
  'shared',
  'fixtures',
);
const dumpPath = join(fixtures, 'vmcores', 'k612-null-deref', 'vmcore');
const have = existsSync(dumpPath);
if (!have)
  console.warn(`robustness: ${dumpPath} missing (shared fixtures not beside the repo): skipped`);
// The metadata region: header, sub-header, VMCOREINFO, bitmaps, the first page descriptors.
const original = have ? new Uint8Array(readFileSync(dumpPath)) : new Uint8Array(0);
const HEAD = 256 * 1024;

/** A typed failure: an Error with a string `code` (the vmcore library's typed errors). */
function expectTyped(e: unknown): void {
  expect(e).toBeInstanceOf(Error);
  expect({ name: (e as Error).name, code: typeof (e as { code?: unknown }).code }).toEqual({
    name: (e as Error).name,
    code: 'string',
  });
}

async function triageBytes(bytes: Uint8Array): Promise<void> {
  let out: Awaited<ReturnType<typeof triageVmcoreDetailed>>;
  try {
    out = await triageVmcoreDetailed(new BufferSource(bytes, 'mutant'));
  } catch (e) {
    expectTyped(e);
    return;
  }
  expect(out.result.dmesg.lines).toBeGreaterThanOrEqual(0);
  // An unreadable log is a partial result, but the reason must still be a typed error.
  if (out.logError) expectTyped(out.logError);
}

describe.skipIf(!have)('triage of damaged dumps', () => {
  it('bit flips in the metadata region: typed error or result', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat({ max: HEAD - 1 }), bit: fc.nat({ max: 7 }) }), {
          minLength: 1,
          maxLength: 16,
        }),
        async (flips) => {
          const bytes = original.slice();
          for (const f of flips) bytes[f.at]! ^= 1 << f.bit;
          await triageBytes(bytes);
        },
      ),
      { numRuns: 150, seed: 0x5eed },
    );
  }, 120_000);

  it('huge values written over disk_dump_header and kdump_sub_header fields: typed error or result, bounded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: (4096 + 256) / 4 - 1 }),
        fc.constantFrom(0xffffffff, 0x7fffffff, 0x80000000, 0),
        async (word, value) => {
          const bytes = original.slice();
          new DataView(bytes.buffer).setUint32(word * 4, value, true);
          const t0 = performance.now();
          await triageBytes(bytes);
          expect(performance.now() - t0).toBeLessThan(20_000);
        },
      ),
      { numRuns: 150, seed: 0x5eed },
    );
  }, 300_000);

  it('truncated at any point: typed error or partial result', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: original.length }), async (cut) => {
        await triageBytes(original.subarray(0, cut));
      }),
      { numRuns: 80, seed: 0x5eed },
    );
  }, 120_000);

  // Regression: a damaged NUMBER(KERNEL_IMAGE_SIZE) put init_top_pgt outside the kernel image
  // mapping, and translate() and walk() recursed into each other until the stack overflowed.
  it('damaged NUMBER(KERNEL_IMAGE_SIZE): typed error, not a stack overflow', async () => {
    const text = new TextDecoder('latin1').decode(original.subarray(0, HEAD));
    const at = text.indexOf('NUMBER(KERNEL_IMAGE_SIZE)=');
    expect(at).toBeGreaterThan(0);
    const bytes = original.slice();
    bytes.set(new TextEncoder().encode('NUMBER(KERNEL_IMAGE_SIZE)=4096      '), at);
    await triageBytes(bytes);
  });
});
