import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PARTS, MAX_PART_SIZE, cutParts, partSizeFor } from './s3-parts.js';

const MiB = 1024 * 1024;

describe('cutParts', () => {
  it('cuts any chunking into full parts plus a shorter last one, losing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 200 }),
        async (chunks, size) => {
          const parts: Buffer[] = [];
          for await (const p of cutParts(
            Readable.from(chunks.map((c) => Buffer.from(c))),
            () => size,
          ))
            parts.push(Buffer.from(p));
          const all = Buffer.concat(chunks.map((c) => Buffer.from(c)));
          expect(Buffer.concat(parts)).toEqual(all);
          expect(parts.length).toBe(Math.max(1, Math.ceil(all.length / size)));
          for (const p of parts.slice(0, -1)) expect(p.length).toBe(size);
        },
      ),
    );
  });
});

describe('partSizeFor', () => {
  it('fits a known size into 10 000 parts', () => {
    expect(partSizeFor(1, 16 * MiB, 100 * MiB)).toBe(16 * MiB);
    const size = 256 * 1024 * MiB;
    expect(partSizeFor(1, 16 * MiB, size) * MAX_PARTS).toBeGreaterThanOrEqual(size);
  });

  it('grows parts for unknown sizes so 10 000 parts hold close to a TiB', () => {
    let total = 0;
    for (let n = 1; n <= MAX_PARTS; n++) total += partSizeFor(n, 16 * MiB, undefined);
    expect(total).toBeGreaterThan(900 * 1024 * MiB);
    expect(partSizeFor(1, 16 * MiB, undefined)).toBe(16 * MiB);
    expect(partSizeFor(2000, 16 * MiB, undefined)).toBe(16 * MiB);
    expect(partSizeFor(2001, 16 * MiB, undefined)).toBe(32 * MiB);
    expect(partSizeFor(10_000, 1024 * MiB, undefined)).toBe(MAX_PART_SIZE);
  });
});
