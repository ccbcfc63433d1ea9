import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSeekableCompressor } from './compressor.js';
import { isSeekableZstd, startsWithZstdFrame } from './detect.js';
import { SeekableFormatError } from './errors.js';
import { SeekableZstdReader } from './reader.js';
import { readSeekTable } from './seek-table.js';

async function compress(data: Uint8Array, frameSize: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from([data]),
    createSeekableCompressor({ frameSize }),
    async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) parts.push(c);
    },
  );
  return Buffer.concat(parts);
}

/** A byte source over a buffer that records every range asked for. */
function recordingSource(buf: Uint8Array) {
  const calls: [number, number][] = [];
  const read = async (offset: number, length: number) => {
    calls.push([offset, length]);
    return buf.subarray(offset, offset + length);
  };
  return { read, calls };
}

const FRAME = 4096;
const data = randomBytes(FRAME * 10 + 123);
const compressed = await compress(data, FRAME);
const table0 = await readSeekTable(
  async (o, l) => compressed.subarray(o, o + l),
  compressed.length,
);

describe('SeekableZstdReader', () => {
  it('returns exactly the input for any range', async () => {
    const table = await readSeekTable(recordingSource(compressed).read, compressed.length);
    const reader = new SeekableZstdReader(recordingSource(compressed).read, table, {
      cacheFrames: 2,
    });
    expect(reader.size).toBe(data.length);
    await fc.assert(
      fc.asyncProperty(fc.nat(data.length + 10), fc.nat(3 * FRAME), async (offset, length) => {
        const got = await reader.read(offset, length);
        expect(Buffer.from(got)).toEqual(data.subarray(offset, offset + length));
      }),
      { numRuns: 300 },
    );
  });

  it('decompresses only the frames a read overlaps', async () => {
    const table = await readSeekTable(recordingSource(compressed).read, compressed.length);
    const src = recordingSource(compressed);
    const reader = new SeekableZstdReader(src.read, table);
    await reader.read(FRAME * 7 + 10, 100);
    const f7 = table.frames[7]!;
    expect(src.calls).toEqual([[f7.compressedOffset, f7.compressedSize]]);
    expect(reader.bytesRead).toBe(f7.compressedSize);
    expect(reader.framesDecompressed).toBe(1);

    await reader.read(FRAME * 2 - 1, 2); // straddles frames 1 and 2
    expect(reader.framesDecompressed).toBe(3);
    expect(reader.bytesRead).toBe(
      f7.compressedSize + table.frames[1]!.compressedSize + table.frames[2]!.compressedSize,
    );
  });

  it('serves repeated reads from its frame cache and evicts the least recently used', async () => {
    const table = await readSeekTable(recordingSource(compressed).read, compressed.length);
    const reader = new SeekableZstdReader(recordingSource(compressed).read, table, {
      cacheFrames: 2,
    });
    await Promise.all([reader.read(0, 10), reader.read(20, 10)]); // concurrent reads share one load
    await reader.read(FRAME, 10);
    await reader.read(0, 10);
    expect(reader.framesDecompressed).toBe(2);
    await reader.read(FRAME * 2, 10); // evicts frame 1 (frame 0 was used more recently)
    await reader.read(0, 10);
    expect(reader.framesDecompressed).toBe(3);
    await reader.read(FRAME, 10);
    expect(reader.framesDecompressed).toBe(4);
  });

  it('returns short reads at the end and rejects negative ranges', async () => {
    const table = await readSeekTable(recordingSource(compressed).read, compressed.length);
    const reader = new SeekableZstdReader(recordingSource(compressed).read, table);
    expect((await reader.read(data.length - 3, 10)).length).toBe(3);
    expect((await reader.read(data.length + 5, 10)).length).toBe(0);
    await expect(reader.read(-1, 2)).rejects.toThrow(RangeError);
    expect(() => table.frameIndexAt(data.length)).toThrow(RangeError);
    expect(table.frameIndexAt(FRAME * 3)).toBe(3);
    expect(table.frameIndexAt(FRAME * 3 - 1)).toBe(2);
  });

  it('tells seekable from plain zstd', async () => {
    const src = recordingSource(compressed);
    expect(await isSeekableZstd(src.read, compressed.length)).toBe(true);
    expect(startsWithZstdFrame(compressed.subarray(0, 4))).toBe(true);
    const plain = compressed.subarray(0, table0.compressedSize);
    expect(await isSeekableZstd(recordingSource(plain).read, plain.length)).toBe(false);
    expect(startsWithZstdFrame(Buffer.from('KDUMP   '))).toBe(false);
  });
});

describe('frame validation on read', () => {
  it('reports a corrupted frame as FRAME_CORRUPT with its offset', async () => {
    const bad = Buffer.from(compressed);
    const f3 = table0.frames[3]!;
    bad[f3.compressedOffset + Math.floor(f3.compressedSize / 2)]! ^= 0xff;
    const reader = new SeekableZstdReader(
      recordingSource(bad).read,
      await readSeekTable(recordingSource(bad).read, bad.length),
    );
    await expect(reader.read(0, 10)).resolves.toHaveLength(10);
    const err = await reader.read(FRAME * 3, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeekableFormatError);
    expect((err as SeekableFormatError).code).toBe('FRAME_CORRUPT');
    expect((err as SeekableFormatError).offset).toBe(f3.compressedOffset);
  });

  it('catches a seek table that lies about decompressed sizes', async () => {
    // Shift one byte of decompressed size from frame 0 to frame 1: totals still add up.
    const bad = Buffer.from(compressed);
    const entries = bad.length - 9 - table0.frames.length * 8;
    bad.writeUInt32LE(FRAME - 1, entries + 4);
    bad.writeUInt32LE(FRAME + 1, entries + 12);
    const table = await readSeekTable(recordingSource(bad).read, bad.length);
    const reader = new SeekableZstdReader(recordingSource(bad).read, table);
    await expect(reader.read(0, 1)).rejects.toMatchObject({ code: 'FRAME_CORRUPT' });
    await expect(reader.read(FRAME, 1)).rejects.toMatchObject({ code: 'FRAME_SIZE_MISMATCH' });
  });

  it('reports a byte source that returns too little as SHORT_READ', async () => {
    const reader = new SeekableZstdReader(
      async (o, l) => compressed.subarray(o, o + l - 1),
      table0,
    );
    await expect(reader.read(0, 1)).rejects.toMatchObject({ code: 'SHORT_READ', offset: 0 });
  });

  it('any single corrupted byte gives the right data or a SeekableFormatError, never anything else', async () => {
    const small = await compress(randomBytes(3000), 1000);
    const original = await (async () => {
      const r = new SeekableZstdReader(
        recordingSource(small).read,
        await readSeekTable(recordingSource(small).read, small.length),
      );
      return Buffer.from(await r.read(0, 3000));
    })();
    await fc.assert(
      fc.asyncProperty(
        fc.nat(small.length - 1),
        fc.integer({ min: 1, max: 255 }),
        async (at, xor) => {
          const bad = Buffer.from(small);
          bad[at]! ^= xor;
          try {
            const src = recordingSource(bad).read;
            const r = new SeekableZstdReader(src, await readSeekTable(src, bad.length));
            expect(Buffer.from(await r.read(0, r.size))).toEqual(original);
          } catch (err) {
            expect(err).toBeInstanceOf(SeekableFormatError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
