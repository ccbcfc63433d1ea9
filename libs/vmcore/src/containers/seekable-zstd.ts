import { isSeekableZstd, readSeekTable, SeekableZstdReader } from '@kdumpfleet/szstd';
import { VmcoreContainerError } from '../errors.js';
import { clampLength, type ByteSource } from '../source/byte-source.js';

/** True when the file ends with a seekable-zstd seek table footer (magic 0x8F92EAB1). */
export function hasSeekTableFooter(source: ByteSource): Promise<boolean> {
  return isSeekableZstd((o, l) => source.read(o, l), source.size);
}

/**
 * The decompressed bytes of a seekable zstd file (facebook/zstd seekable format, written by the
 * agent's upload path), read in place through libs/szstd: a read decompresses only the frames
 * it overlaps. `bytesRead` stays that of the compressed source underneath.
 */
export class SeekableZstdSource implements ByteSource {
  private constructor(
    private readonly inner: ByteSource,
    private readonly reader: SeekableZstdReader,
  ) {}

  static async open(inner: ByteSource): Promise<SeekableZstdSource> {
    const read = (o: number, l: number): Promise<Uint8Array> => inner.read(o, l);
    try {
      const table = await readSeekTable(read, inner.size);
      return new SeekableZstdSource(inner, new SeekableZstdReader(read, table));
    } catch (e) {
      throw new VmcoreContainerError(
        'BAD_SEEKABLE_ZSTD',
        `${inner.description}: ${(e as Error).message}`,
        inner.size,
      );
    }
  }

  get size(): number {
    return this.reader.size;
  }
  get bytesRead(): number {
    return this.inner.bytesRead;
  }
  get description(): string {
    return `${this.inner.description} (seekable zstd)`;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const n = clampLength(this.size, offset, length);
    if (n === 0) return new Uint8Array(0);
    try {
      return await this.reader.read(offset, n);
    } catch (e) {
      throw new VmcoreContainerError(
        'BAD_SEEKABLE_ZSTD',
        `${this.inner.description}: ${(e as Error).message}`,
        offset,
      );
    }
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

export function openSeekableZstd(source: ByteSource): Promise<ByteSource> {
  return SeekableZstdSource.open(source);
}
