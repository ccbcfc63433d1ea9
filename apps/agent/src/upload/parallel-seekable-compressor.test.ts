import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createSeekableCompressor, readSeekTable, SeekableZstdReader } from '@kdumpfleet/szstd';
import { describe, expect, it } from 'vitest';
import { createParallelSeekableCompressor } from './parallel-seekable-compressor.js';

async function collect(input: Buffer, t: Transform): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = 0; i < input.length; i += 100_003) yield input.subarray(i, i + 100_003);
      })(),
    ),
    t,
    async function (src: AsyncIterable<Buffer | string>) {
      for await (const p of src) parts.push(Buffer.from(p));
    },
  );
  return Buffer.concat(parts);
}

function dumpLike(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096)
    if ((i / 4096) % 3 !== 0)
      for (let j = i; j < Math.min(size, i + 4096); j += 7) b[j] = (j * 2654435761) >>> 24;
  return b;
}

describe('createParallelSeekableCompressor', () => {
  it.each([
    [0, 2],
    [1, 2],
    [256 * 1024, 2],
    [256 * 1024 * 5 + 17, 3],
    [256 * 1024 * 9, 1],
  ])(
    '%i bytes with %i workers: byte-identical to libs/szstd, readable by its reader',
    async (size, workers) => {
      const input = dumpLike(size);
      const ours = await collect(
        input,
        createParallelSeekableCompressor({ frameSize: 256 * 1024, level: 3, workers }),
      );
      const ref = await collect(
        input,
        createSeekableCompressor({ frameSize: 256 * 1024, level: 3 }),
      );
      expect(ours.equals(ref)).toBe(true);
      const read = async (o: number, l: number) => ours.subarray(o, o + l);
      const table = await readSeekTable(read, ours.length);
      expect(table.decompressedSize).toBe(size);
      const r = new SeekableZstdReader(read, table);
      if (size > 1000)
        expect(
          Buffer.from(await r.read(size - 1000, 1000)).equals(input.subarray(size - 1000)),
        ).toBe(true);
    },
  );
});
