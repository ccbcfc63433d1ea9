import binding from 'zstd-napi/binding.js';
import { SeekableFormatError } from './errors.js';
import type { ReadRange } from './format.js';
import { readExactly, type SeekTable } from './seek-table.js';

export interface SeekableZstdReaderOptions {
  /** Decompressed frames kept in memory (LRU, default 4: 16 MiB with 4 MiB frames). */
  cacheFrames?: number;
}

/**
 * Random access to the decompressed bytes of a seekable zstd file. A read decompresses only
 * the frames it overlaps; recently used frames are kept in a small LRU. Each frame is
 * decompressed into a buffer of exactly the size the seek table promises, so a lying table
 * or a frame that inflates beyond it fails with a typed error instead of eating memory.
 */
export class SeekableZstdReader {
  readonly size: number;
  private compressedBytesRead = 0;
  private decompressedFrames = 0;
  private readonly cacheFrames: number;
  /** frame index → decompressed bytes (insertion order = LRU order); promises dedupe reads. */
  private readonly cache = new Map<number, Promise<Uint8Array>>();
  private readonly dctx = new binding.DCtx();

  constructor(
    private readonly readCompressed: ReadRange,
    readonly table: SeekTable,
    opts: SeekableZstdReaderOptions = {},
  ) {
    this.size = table.decompressedSize;
    this.cacheFrames = Math.max(1, opts.cacheFrames ?? 4);
  }

  /** Compressed bytes fetched through the byte source so far. */
  get bytesRead(): number {
    return this.compressedBytesRead;
  }

  /** Frames decompressed so far (cache hits not counted). */
  get framesDecompressed(): number {
    return this.decompressedFrames;
  }

  /**
   * Decompressed bytes `offset .. offset+length-1`. Like pread, a read running past the end
   * returns the bytes that exist (possibly none).
   */
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (
      !Number.isSafeInteger(offset) ||
      offset < 0 ||
      !Number.isSafeInteger(length) ||
      length < 0
    ) {
      throw new RangeError(
        `read(${offset}, ${length}): offset and length must be non-negative integers`,
      );
    }
    const end = Math.min(offset + length, this.size);
    if (offset >= end) return new Uint8Array(0);
    const first = this.table.frameIndexAt(offset);
    const last = this.table.frameIndexAt(end - 1);
    if (first === last) {
      const f = this.table.frames[first]!;
      const data = await this.frame(first);
      return data.subarray(offset - f.decompressedOffset, end - f.decompressedOffset);
    }
    const out = new Uint8Array(end - offset);
    for (let i = first; i <= last; i++) {
      const f = this.table.frames[i]!;
      if (f.decompressedSize === 0) continue;
      const data = await this.frame(i);
      const from = Math.max(offset, f.decompressedOffset);
      const to = Math.min(end, f.decompressedOffset + f.decompressedSize);
      out.set(data.subarray(from - f.decompressedOffset, to - f.decompressedOffset), from - offset);
    }
    return out;
  }

  private frame(index: number): Promise<Uint8Array> {
    const hit = this.cache.get(index);
    if (hit) {
      this.cache.delete(index);
      this.cache.set(index, hit);
      return hit;
    }
    const loading = this.loadFrame(index);
    this.cache.set(index, loading);
    loading.catch(() => this.cache.delete(index));
    while (this.cache.size > this.cacheFrames) {
      const oldest = this.cache.keys().next().value as number;
      this.cache.delete(oldest);
    }
    return loading;
  }

  private async loadFrame(index: number): Promise<Uint8Array> {
    const f = this.table.frames[index]!;
    const compressed = await readExactly(this.readCompressed, f.compressedOffset, f.compressedSize);
    this.compressedBytesRead += compressed.length;
    const out = Buffer.allocUnsafe(f.decompressedSize);
    let written: number;
    try {
      written = this.dctx.decompress(out, compressed);
    } catch (err) {
      throw new SeekableFormatError(
        'FRAME_CORRUPT',
        f.compressedOffset,
        `frame ${index} does not decompress into its ${f.decompressedSize} bytes: ${(err as Error).message}`,
      );
    }
    if (written !== f.decompressedSize) {
      throw new SeekableFormatError(
        'FRAME_SIZE_MISMATCH',
        f.compressedOffset,
        `frame ${index} decompressed to ${written} bytes, the seek table says ${f.decompressedSize}`,
      );
    }
    this.decompressedFrames++;
    return out;
  }
}
