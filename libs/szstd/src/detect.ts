import {
  SEEKABLE_MAGIC,
  SEEK_TABLE_FOOTER_SIZE,
  SKIPPABLE_HEADER_SIZE,
  ZSTD_FRAME_MAGIC,
  type ReadRange,
} from './format.js';

/** True when `head` (the first bytes of a file) starts with a zstd frame. */
export function startsWithZstdFrame(head: Uint8Array): boolean {
  return (
    head.length >= 4 &&
    Buffer.from(head.buffer, head.byteOffset, 4).readUInt32LE(0) === ZSTD_FRAME_MAGIC
  );
}

/**
 * True when the file ends with the seekable footer magic. A plain zstd file can still be read
 * as a stream; only a seekable one allows random access. Cheap: one 4-byte read.
 */
export async function isSeekableZstd(read: ReadRange, fileSize: number): Promise<boolean> {
  if (fileSize < SKIPPABLE_HEADER_SIZE + SEEK_TABLE_FOOTER_SIZE) return false;
  const tail = await read(fileSize - 4, 4);
  if (tail.length !== 4) return false;
  return Buffer.from(tail.buffer, tail.byteOffset, 4).readUInt32LE(0) === SEEKABLE_MAGIC;
}
