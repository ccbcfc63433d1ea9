import { clampLength, type ByteSource } from './byte-source.js';

/** A ByteSource over bytes already in memory (tests, small objects). */
export class BufferSource implements ByteSource {
  private read_ = 0;
  constructor(
    private readonly bytes: Uint8Array,
    readonly description = 'buffer',
  ) {}
  get size(): number {
    return this.bytes.length;
  }
  get bytesRead(): number {
    return this.read_;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    const n = clampLength(this.bytes.length, offset, length);
    this.read_ += n;
    return Promise.resolve(this.bytes.subarray(offset, offset + n));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
