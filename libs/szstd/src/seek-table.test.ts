import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeekableFormatError } from './errors.js';
import { MAX_FRAMES, SEEKABLE_MAGIC, SEEK_TABLE_SKIPPABLE_MAGIC } from './format.js';
import { encodeSeekTable, readSeekTable, SeekTable } from './seek-table.js';

const source = (buf: Uint8Array) => async (offset: number, length: number) =>
  buf.subarray(offset, offset + length);

/** A file of fake frames (bytes of `fill`) followed by a table describing them. */
function fileWith(entries: { compressedSize: number; decompressedSize: number }[]): Buffer {
  const body = entries.reduce((n, e) => n + e.compressedSize, 0);
  return Buffer.concat([Buffer.alloc(body, 0xaa), encodeSeekTable(entries)]);
}

async function formatError(buf: Uint8Array, size = buf.length): Promise<SeekableFormatError> {
  const err = await readSeekTable(source(buf), size).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SeekableFormatError);
  return err as SeekableFormatError;
}

describe('readSeekTable', () => {
  it('parses offsets on both sides from the entries', async () => {
    const buf = fileWith([
      { compressedSize: 10, decompressedSize: 100 },
      { compressedSize: 8, decompressedSize: 0 },
      { compressedSize: 20, decompressedSize: 50 },
    ]);
    const t = await readSeekTable(source(buf), buf.length);
    expect(t.frames).toEqual([
      { compressedOffset: 0, compressedSize: 10, decompressedOffset: 0, decompressedSize: 100 },
      { compressedOffset: 10, compressedSize: 8, decompressedOffset: 100, decompressedSize: 0 },
      { compressedOffset: 18, compressedSize: 20, decompressedOffset: 100, decompressedSize: 50 },
    ]);
    expect(t.compressedSize).toBe(38);
    expect(t.decompressedSize).toBe(150);
    expect(t.frameIndexAt(99)).toBe(0);
    expect(t.frameIndexAt(100)).toBe(2); // the empty frame 1 holds no byte
  });

  it('reads checksums when the descriptor says they are there', async () => {
    const buf = Buffer.alloc(12 + 8 + 12 + 9);
    buf.writeUInt32LE(SEEK_TABLE_SKIPPABLE_MAGIC, 12);
    buf.writeUInt32LE(12 + 9, 16);
    buf.writeUInt32LE(12, 20);
    buf.writeUInt32LE(77, 24);
    buf.writeUInt32LE(0xdeadbeef, 28);
    buf.writeUInt32LE(1, 32);
    buf.writeUInt8(0x80, 36);
    buf.writeUInt32LE(SEEKABLE_MAGIC, 37);
    const t = await readSeekTable(source(buf), buf.length);
    expect(t.frames).toEqual([
      {
        compressedOffset: 0,
        compressedSize: 12,
        decompressedOffset: 0,
        decompressedSize: 77,
        checksum: 0xdeadbeef,
      },
    ]);
  });

  it('rejects files too small to hold a table', async () => {
    const e = await formatError(Buffer.alloc(16));
    expect(e.code).toBe('FILE_TOO_SMALL');
  });

  it('rejects a missing footer (e.g. plain zstd) with the magic offset', async () => {
    const buf = fileWith([{ compressedSize: 10, decompressedSize: 5 }]);
    buf.writeUInt32LE(0x12345678, buf.length - 4);
    const e = await formatError(buf);
    expect(e.code).toBe('BAD_FOOTER_MAGIC');
    expect(e.offset).toBe(buf.length - 4);
    expect(e.message).toContain('0x12345678');
  });

  it('rejects reserved descriptor bits but ignores unused ones', async () => {
    const buf = fileWith([{ compressedSize: 10, decompressedSize: 5 }]);
    buf.writeUInt8(0x03, buf.length - 5);
    await expect(readSeekTable(source(buf), buf.length)).resolves.toBeInstanceOf(SeekTable);
    buf.writeUInt8(0x04, buf.length - 5);
    expect((await formatError(buf)).code).toBe('RESERVED_BITS_SET');
  });

  it('rejects frame counts the file cannot hold, without reading or allocating for them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 5, max: 0xffffffff }), async (count) => {
        const buf = fileWith([{ compressedSize: 10, decompressedSize: 5 }]);
        buf.writeUInt32LE(count, buf.length - 9);
        const asked: number[] = [];
        const err = await readSeekTable(async (o, l) => {
          asked.push(l);
          return buf.subarray(o, o + l);
        }, buf.length).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'TOO_MANY_FRAMES' });
        expect(Math.max(...asked)).toBeLessThanOrEqual(9);
      }),
    );
    // Even a huge file cannot have more frames than zstd's reference reader accepts.
    const footer = Buffer.alloc(9);
    footer.writeUInt32LE(MAX_FRAMES + 1, 0);
    footer.writeUInt32LE(SEEKABLE_MAGIC, 5);
    const err = await readSeekTable(async () => footer, 2 ** 50).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TOO_MANY_FRAMES', offset: 2 ** 50 - 9 });
  });

  it('rejects a skippable header that does not match the footer', async () => {
    const buf = fileWith([
      { compressedSize: 10, decompressedSize: 5 },
      { compressedSize: 10, decompressedSize: 5 },
    ]);
    buf.writeUInt32LE(1, buf.length - 9); // footer now claims 1 frame
    const e = await formatError(buf);
    expect(e.code).toBe('BAD_SEEK_TABLE_HEADER');
    const buf2 = fileWith([{ compressedSize: 10, decompressedSize: 5 }]);
    buf2.writeUInt32LE(0x184d2a50, 10);
    expect((await formatError(buf2)).code).toBe('BAD_SEEK_TABLE_HEADER');
  });

  it('rejects compressed sizes that do not add up to the table position', async () => {
    for (const size of [9, 11, 0xffffffff]) {
      const buf = fileWith([
        { compressedSize: 10, decompressedSize: 5 },
        { compressedSize: 10, decompressedSize: 5 },
      ]);
      buf.writeUInt32LE(size, 36); // frame 1's compressed size (table header at 20, entries at 28)
      const e = await formatError(buf);
      expect(e.code).toBe('SIZES_DO_NOT_ADD_UP');
      expect(e.offset).toBe(20);
    }
  });

  it('rejects impossible frame sizes', async () => {
    const tiny = fileWith([
      { compressedSize: 4, decompressedSize: 5 },
      { compressedSize: 16, decompressedSize: 5 },
    ]);
    expect((await formatError(tiny)).code).toBe('FRAME_TOO_SMALL');
    const bomb = fileWith([{ compressedSize: 10, decompressedSize: 0x40000001 }]);
    expect((await formatError(bomb)).code).toBe('FRAME_TOO_LARGE');
  });

  it('never throws anything but SeekableFormatError on random trailing bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.boolean(),
        async (bytes, withMagic) => {
          const buf = Buffer.from(bytes);
          if (withMagic && buf.length >= 4) buf.writeUInt32LE(SEEKABLE_MAGIC, buf.length - 4);
          try {
            const t = await readSeekTable(source(buf), buf.length);
            expect(t.compressedSize).toBeLessThanOrEqual(buf.length);
          } catch (err) {
            expect(err).toBeInstanceOf(SeekableFormatError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
