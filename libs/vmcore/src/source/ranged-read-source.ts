import { clampLength, type ByteSource } from './byte-source.js';

/** `(offset, length) => bytes`: how an object store (or anything else) serves a byte range. */
export type RangedRead = (offset: number, length: number) => Promise<Uint8Array>;

/** Default `readAhead` of a ranged source: a ~45 ms GET over RGW costs about as much as 8 MiB. */
export const DEFAULT_RANGED_READ_AHEAD = 8 * 1024 * 1024;

export interface RangedReadSourceOptions {
  /**
   * Largest block a forward scan may ask for in one request (see ByteSource.readAhead);
   * default 8 MiB, 0 to fetch only the bytes asked for.
   */
  readAhead?: number;
}

/**
 * A ByteSource over any ranged-read function, e.g. an object store's ranged GET. Keeps this
 * library free of storage imports: the caller adapts its client to `RangedRead`. Every read is
 * one call of `rangedRead` for exactly the bytes asked; the source itself never reads ahead:
 * only a forward scan that knows it will use the bytes asks for large blocks (`readAhead`).
 */
export class RangedReadSource implements ByteSource {
  private read_ = 0;
  readonly readAhead: number;
  constructor(
    readonly size: number,
    private readonly rangedRead: RangedRead,
    readonly description = 'ranged source',
    private readonly onClose?: () => Promise<void>,
    options: RangedReadSourceOptions = {},
  ) {
    const ra = options.readAhead ?? DEFAULT_RANGED_READ_AHEAD;
    if (!Number.isSafeInteger(ra) || ra < 0) throw new RangeError(`bad readAhead ${ra}`);
    this.readAhead = ra;
  }
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
