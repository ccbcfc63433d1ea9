import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decompress } from 'zstd-napi';
import { createSeekableCompressor } from './compressor.js';
import { SEEKABLE_MAGIC, ZSTD_FRAME_MAGIC } from './format.js';
import { SeekableZstdReader } from './reader.js';
import { readSeekTable } from './seek-table.js';

async function compress(data: Uint8Array, frameSize?: number, chunk = 1000): Promise<Buffer> {
  const parts: Buffer[] = [];
  const input = Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
    })(),
  );
  await pipeline(
    input,
    createSeekableCompressor(frameSize === undefined ? {} : { frameSize }),
    async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) parts.push(c);
    },
  );
  return Buffer.concat(parts);
}

/** Partly compressible bytes: random runs between repeated runs, like memory pages. */
const pageLike = (n: number): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(fc.uint8Array({ minLength: n, maxLength: n }), fc.integer({ min: 0, max: 255 }))
    .map(([bytes, fill]) => {
      for (let i = 0; i < bytes.length; i += 64)
        if ((i >> 6) % 3 === 0) bytes.fill(fill, i, i + 64);
      return bytes;
    });

const memorySource = (buf: Uint8Array) => async (offset: number, length: number) =>
  buf.subarray(offset, offset + length);

const hasZstdCli = spawnSync('zstd', ['--version']).status === 0;
if (!hasZstdCli)
  console.warn('szstd: zstd CLI missing, CLI compatibility test skipped (apt-get install zstd)');

describe('createSeekableCompressor', () => {
  it('round-trips sizes around frame boundaries, including empty input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 16, max: 2048 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: -2, max: 2 }),
        fc.integer({ min: 1, max: 3000 }),
        async (frameSize, frames, delta, chunk) => {
          const size = Math.max(0, frames * frameSize + delta);
          const data = randomBytes(size);
          const out = await compress(data, frameSize, chunk);
          const table = await readSeekTable(memorySource(out), out.length);
          expect(table.frames.length).toBe(Math.ceil(size / frameSize));
          expect(table.decompressedSize).toBe(size);
          for (const f of table.frames.slice(0, -1)) expect(f.decompressedSize).toBe(frameSize);
          const reader = new SeekableZstdReader(memorySource(out), table);
          expect(Buffer.from(await reader.read(0, size))).toEqual(data);
          expect(Buffer.from(decompress(out))).toEqual(data);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes zstd frames first and the seekable footer last', async () => {
    const out = await compress(randomBytes(5000), 1024);
    expect(out.readUInt32LE(0)).toBe(ZSTD_FRAME_MAGIC);
    expect(out.readUInt32LE(out.length - 4)).toBe(SEEKABLE_MAGIC);
    expect(out.readUInt8(out.length - 5)).toBe(0); // descriptor: no table checksums
    expect(out.readUInt32LE(out.length - 9)).toBe(5);
  });

  it('is read as one ordinary stream by zstd-napi', async () => {
    await fc.assert(
      fc.asyncProperty(pageLike(20_000), async (data) => {
        const out = await compress(data, 4096);
        expect(Buffer.from(decompress(out))).toEqual(Buffer.from(data));
      }),
      { numRuns: 20 },
    );
  });

  it.skipIf(!hasZstdCli)('is read by the plain zstd -d command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'szstd-'));
    try {
      for (const size of [0, 1, 4095, 4096, 4097, 100_000]) {
        const data = randomBytes(size);
        const file = join(dir, `d${size}.zst`);
        writeFileSync(file, await compress(data, 4096));
        const plain = execFileSync('zstd', ['-d', '-c', '-q', file], { maxBuffer: 1 << 24 });
        expect(plain).toEqual(data);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses 4 MiB frames by default', async () => {
    const data = Buffer.alloc(9 * 1024 * 1024, 0x5a);
    const out = await compress(data, undefined, 1 << 20);
    const table = await readSeekTable(memorySource(out), out.length);
    expect(table.frames.map((f) => f.decompressedSize)).toEqual([4 << 20, 4 << 20, 1 << 20]);
  });

  it('respects backpressure: stops pulling input while nobody reads', async () => {
    const compressor = createSeekableCompressor({ frameSize: 1024 });
    let written = 0;
    let refused = false;
    const chunk = randomBytes(1024);
    for (let i = 0; i < 10_000 && !refused; i++) {
      refused = !compressor.write(chunk);
      written++;
    }
    expect(refused).toBe(true);
    expect(written).toBeLessThan(200);
    compressor.destroy();
  });

  it('rejects frame sizes it cannot describe in the seek table', () => {
    expect(() => createSeekableCompressor({ frameSize: 0 })).toThrow(RangeError);
    expect(() => createSeekableCompressor({ frameSize: 2 ** 31 })).toThrow(RangeError);
  });

  it('keeps memory bounded while compressing 256 MiB', async () => {
    let produced = 0;
    const before = process.memoryUsage().rss;
    let peak = before;
    await pipeline(
      Readable.from(
        (function* () {
          for (let i = 0; i < 256; i++) {
            peak = Math.max(peak, process.memoryUsage().rss);
            yield randomBytes(1 << 20); // incompressible: output is as large as input
          }
        })(),
      ),
      createSeekableCompressor(),
      new Writable({
        write(c: Buffer, _e, done) {
          produced += c.length;
          done();
        },
      }),
    );
    expect(produced).toBeGreaterThan(256 << 20);
    expect(peak - before).toBeLessThan(128 << 20);
  });
});
