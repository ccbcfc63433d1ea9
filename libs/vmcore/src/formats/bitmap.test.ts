import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../source/buffer-source.js';
import { DumpBitmap } from './bitmap.js';

describe('DumpBitmap', () => {
  it('test() and rank() agree with a naive count, across chunk and sub-block borders', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        fc.constantFrom(256, 512, 1024),
        async (bytes, probes, chunk) => {
          const source = new BufferSource(bytes);
          const bm = new DumpBitmap(source, 0, bytes.length, chunk, 2);
          const bit = (i: number): boolean => ((bytes[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
          for (const raw of probes) {
            const pfn = raw % (bytes.length * 8 + 1);
            let naive = 0;
            for (let i = 0; i < pfn; i++) if (bit(i)) naive++;
            expect(await bm.rank(pfn)).toBe(naive);
            expect(await bm.test(pfn)).toBe(pfn < bytes.length * 8 && bit(pfn));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('reads the bitmap once for the rank index, not per lookup', async () => {
    const bytes = new Uint8Array(64 * 1024).fill(0x55);
    const source = new BufferSource(bytes);
    const bm = new DumpBitmap(source, 0, bytes.length, 4096, 64);
    await bm.rank(bytes.length * 8 - 1);
    const after = source.bytesRead;
    for (let i = 0; i < 1000; i++) await bm.rank((i * 7919) % (bytes.length * 8));
    expect(after).toBe(bytes.length);
    expect(source.bytesRead).toBe(after);
  });
});
