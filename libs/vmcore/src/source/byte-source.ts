/**
 * A random-access source of bytes: a file, a buffer, an object-store object, or the logical
 * contents of a container (flattened stream, seekable zstd). Everything above this interface
 * reads only the ranges it needs.
 */
export interface ByteSource {
  /** total size in bytes */
  readonly size: number;
  /**
   * Read `length` bytes at `offset`. Returns fewer bytes only when the range crosses the end of
   * the source (an empty array at or past the end).
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** bytes fetched from the underlying storage so far (the bottom-most source counts) */
  readonly bytesRead: number;
  /** human-readable name for messages, e.g. a path */
  readonly description: string;
  /**
   * How many bytes a forward scan (e.g. the flattened-record index) may fetch in one read beyond
   * what it needs right now: set where one more request costs more than those bytes (object
   * stores: ~45 ms per ranged GET). Absent or 0: read only what is asked (local files, buffers).
   */
  readonly readAhead?: number;
  close(): Promise<void>;
}

/** Clamp a requested range to a source of `size` bytes; returns the length actually readable. */
export function clampLength(size: number, offset: number, length: number): number {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`bad offset ${offset}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad length ${length}`);
  if (offset >= size) return 0;
  return Math.min(length, size - offset);
}
