import type { ByteSource } from '../source/byte-source.js';
import { readExact } from '../source/read-exact.js';
import { Lru } from '../source/lru.js';

/** bits set in each byte value */
const POPCOUNT8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT8[i] = (i & 1) + POPCOUNT8[i >> 1]!;

const SUB_BLOCK = 256; // bytes per rank sample inside a chunk

interface Chunk {
  bytes: Uint8Array;
  /** set bits before each SUB_BLOCK-byte sub block of this chunk */
  subRank: Uint32Array;
}

/**
 * One of the two kdump-compressed bitmaps (1st: pfns that exist; 2nd: pfns dumped). Bit `pfn`
 * is `byte[pfn >> 3] & (1 << (pfn & 7))`, as makedumpfile's is_on() reads it.
 *
 * The bitmap is read lazily in chunks. `rank(pfn)` (set bits below pfn = index of pfn's page
 * descriptor) uses a prefix-count index built once, chunk by chunk, only as far as needed: a
 * read never rescans the bitmap, and memory is bounded by the chunk LRU plus one counter per chunk.
 */
export class DumpBitmap {
  private readonly chunks: Lru<number, Chunk>;
  /** prefix[c] = set bits before chunk c; valid for c < prefix.length */
  private readonly prefix: number[] = [0];

  constructor(
    private readonly source: ByteSource,
    private readonly fileOffset: number,
    readonly byteLength: number,
    private readonly chunkBytes = 64 * 1024,
    maxChunks = 64,
  ) {
    this.chunks = new Lru(maxChunks);
  }

  get bitCount(): number {
    return this.byteLength * 8;
  }

  async test(pfn: number): Promise<boolean> {
    if (pfn < 0 || pfn >= this.bitCount) return false;
    const c = Math.floor(pfn / 8 / this.chunkBytes);
    const chunk = await this.chunk(c);
    const byte = chunk.bytes[(pfn >>> 3) - c * this.chunkBytes] ?? 0;
    return (byte & (1 << (pfn & 7))) !== 0;
  }

  /** number of set bits in [0, pfn) */
  async rank(pfn: number): Promise<number> {
    const limit = Math.min(Math.max(pfn, 0), this.bitCount);
    const c = Math.floor(limit / 8 / this.chunkBytes);
    while (this.prefix.length <= c) {
      const k = this.prefix.length - 1;
      const ch = await this.chunk(k);
      const total =
        ch.subRank[ch.subRank.length - 1]! +
        popcount(ch.bytes, (ch.subRank.length - 1) * SUB_BLOCK, ch.bytes.length);
      this.prefix.push(this.prefix[k]! + total);
    }
    const base = this.prefix[c]!;
    const byteInChunk = (limit >>> 3) - c * this.chunkBytes;
    if (byteInChunk === 0 && (limit & 7) === 0) return base;
    const ch = await this.chunk(c);
    const sub = Math.min(Math.floor(byteInChunk / SUB_BLOCK), ch.subRank.length - 1);
    let n = base + ch.subRank[sub]! + popcount(ch.bytes, sub * SUB_BLOCK, byteInChunk);
    const rem = limit & 7;
    if (rem) n += POPCOUNT8[(ch.bytes[byteInChunk] ?? 0) & ((1 << rem) - 1)]!;
    return n;
  }

  private async chunk(c: number): Promise<Chunk> {
    const hit = this.chunks.get(c);
    if (hit) return hit;
    const start = c * this.chunkBytes;
    const len = Math.min(this.chunkBytes, this.byteLength - start);
    const bytes =
      len > 0
        ? await readExact(this.source, this.fileOffset + start, len, 'bitmap')
        : new Uint8Array(0);
    const subs = Math.max(1, Math.ceil(bytes.length / SUB_BLOCK));
    const subRank = new Uint32Array(subs);
    let acc = 0;
    for (let s = 0; s < subs; s++) {
      subRank[s] = acc;
      acc += popcount(bytes, s * SUB_BLOCK, Math.min(bytes.length, (s + 1) * SUB_BLOCK));
    }
    const chunk = { bytes, subRank };
    this.chunks.set(c, chunk);
    return chunk;
  }
}

function popcount(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n += POPCOUNT8[bytes[i]!]!;
  return n;
}
