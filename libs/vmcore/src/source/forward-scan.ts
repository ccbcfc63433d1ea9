import type { ByteSource } from './byte-source.js';

/** First block of a scan over a read-ahead source; doubles while the scan stays dense. */
export const FORWARD_SCAN_FIRST_BLOCK = 64 * 1024;

/**
 * Reads small items at non-decreasing offsets (record headers spread through a stream) from a
 * source where each request is dear (`source.readAhead > 0`, an object store). It fetches one
 * block at a time and serves the items inside it from memory. As in the kernel's readahead, the
 * block grows while the scan stays dense: when the next item lies within one block of the end
 * of the last, the next block is twice as big, up to `readAhead`; an item further away (a
 * record bigger than the block) means the bytes in between are not worth fetching, and the
 * block falls back to the first size. Only the current block is held: memory ≤ readAhead.
 * Over a source without read-ahead (a local file) every item is read on its own, as before.
 */
export class ForwardScan {
  private blockStart = 0;
  private block: Uint8Array = new Uint8Array(0);
  private window: number;
  private readonly limit: number;
  /** requests made to the source (for tests and figures) */
  fetches = 0;

  constructor(private readonly source: ByteSource) {
    this.limit = Math.max(0, Math.floor(source.readAhead ?? 0));
    this.window = Math.min(FORWARD_SCAN_FIRST_BLOCK, this.limit);
  }

  /** `length` bytes at `offset` (fewer only at the end of the source). */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const blockEnd = this.blockStart + this.block.length;
    if (offset >= this.blockStart && offset + length <= blockEnd) {
      return this.block.subarray(offset - this.blockStart, offset - this.blockStart + length);
    }
    this.fetches++;
    if (this.limit === 0) return this.source.read(offset, length);
    if (this.block.length > 0 && offset >= this.blockStart && offset - blockEnd <= this.window) {
      this.window = Math.min(this.window * 2, this.limit); // dense: read further ahead
    } else {
      this.window = Math.min(FORWARD_SCAN_FIRST_BLOCK, this.limit); // first read, or a jump
    }
    this.block = new Uint8Array(0); // let the old block go before the new one arrives
    this.blockStart = offset;
    this.block = await this.source.read(offset, Math.max(length, this.window));
    return this.block.subarray(0, length);
  }
}
