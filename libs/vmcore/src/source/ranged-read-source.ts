import { clampLength, type ByteSource } from './byte-source.js';

/** `(offset, length) => bytes`: how an object store (or anything else) serves a byte range. */
export type RangedRead = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * A ByteSource over any ranged-read function, e.g. an object store's ranged GET. Keeps this
 * library free of storage imports: the caller adapts its client to `RangedRead`.
 */
export class RangedReadSource implements ByteSource {
  private read_ = 0;
  constructor(
    readonly size: number,
    private readonly rangedRead: RangedRead,
    readonly description = 'ranged source',
    private readonly onClose?: () => Promise<void>,
  ) {}
  get bytesRead(): number {
    return this.read_;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const n = clampLength(this.size, offset, length);
    if (n === 0) return new Uint8Array(0);
    const bytes = await this.rangedRead(offset, n);
    const got = bytes.length > n ? bytes.subarray(0, n) : bytes;
    this.read_ += got.length;
    return got;
  }
  async close(): Promise<void> {
    await this.onClose?.();
  }
}
