import { clampLength, type ByteSource } from './byte-source.js';
import { Lru } from './lru.js';

export interface BlockCacheOptions {
  /** bytes per cached block (power of two); default 16 KiB */
  blockSize?: number;
  /** blocks kept; default 512 (8 MiB with the default block size) */
  maxBlocks?: number;
}

/**
 * Bounded LRU block cache in front of a ByteSource, so many small reads (page descriptors,
 * compressed pages that share a block) reach the backend once. Consecutive missing blocks are
 * fetched in one backend read. `bytesRead` is the inner source's count.
 */
export class CachedSource implements ByteSource {
  private readonly blockSize: number;
  private readonly blocks: Lru<number, Uint8Array>;
  private readonly maxBlocks: number;

  constructor(
    private readonly inner: ByteSource,
    opts: BlockCacheOptions = {},
  ) {
    this.blockSize = opts.blockSize ?? 16 * 1024;
    if (this.blockSize <= 0 || (this.blockSize & (this.blockSize - 1)) !== 0) {
      throw new RangeError('block size must be a power of two');
    }
    this.maxBlocks = opts.maxBlocks ?? 512;
    this.blocks = new Lru(this.maxBlocks);
  }

  get size(): number {
    return this.inner.size;
  }
  get bytesRead(): number {
    return this.inner.bytesRead;
  }
  get description(): string {
    return this.inner.description;
  }
  /** the inner source's: a scan through the cache is as cheap or dear as one below it */
  get readAhead(): number | undefined {
    return this.inner.readAhead;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const n = clampLength(this.size, offset, length);
    if (n === 0) return new Uint8Array(0);
    const bs = this.blockSize;
    const first = Math.floor(offset / bs);
    const last = Math.floor((offset + n - 1) / bs);
    // Very large reads bypass the cache rather than evicting everything in it.
    if ((last - first + 1) * 2 > this.maxBlocks) return this.inner.read(offset, n);
    const parts: Uint8Array[] = [];
    let b = first;
    while (b <= last) {
      const hit = this.blocks.get(b);
      if (hit) {
        parts.push(hit);
        b++;
        continue;
      }
      let end = b; // extend over consecutive misses
      while (end + 1 <= last && this.blocks.get(end + 1) === undefined) end++;
      const start = b * bs;
      const data = await this.inner.read(start, Math.min((end + 1) * bs, this.size) - start);
      for (let i = b; i <= end; i++) {
        const lo = (i - b) * bs;
        if (lo >= data.length) break;
        const blk = data.slice(lo, Math.min(lo + bs, data.length));
        this.blocks.set(i, blk);
        parts.push(blk);
      }
      if (data.length < Math.min((end + 1) * bs, this.size) - start) break; // source shrank
      b = end + 1;
    }
    const out = new Uint8Array(n);
    let pos = 0;
    let skip = offset - first * bs;
    for (const p of parts) {
      const chunk = p.subarray(skip, Math.min(p.length, skip + n - pos));
      out.set(chunk, pos);
      pos += chunk.length;
      skip = 0;
      if (pos >= n) break;
    }
    return pos === n ? out : out.subarray(0, pos);
  }

  async close(): Promise<void> {
    this.blocks.clear();
    await this.inner.close();
  }
}
