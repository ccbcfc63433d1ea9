import { VmcoreContainerError } from '../errors.js';
import type { ByteSource } from '../source/byte-source.js';

/** seek table footer: u32 number of frames, u8 descriptor, u32 magic 0x8F92EAB1 (little-endian) */
export const SEEKABLE_FOOTER_MAGIC = 0x8f92eab1;
const FOOTER_SIZE = 9;

/** True when the file ends with a seekable-zstd seek table footer. */
export async function hasSeekTableFooter(source: ByteSource): Promise<boolean> {
  if (source.size < FOOTER_SIZE + 8) return false;
  const tail = await source.read(source.size - 4, 4);
  if (tail.length !== 4) return false;
  return new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true) === SEEKABLE_FOOTER_MAGIC;
}

/** Random access to a seekable zstd file's decompressed bytes (via libs/szstd). */
export function openSeekableZstd(source: ByteSource): Promise<ByteSource> {
  return Promise.reject(
    new VmcoreContainerError(
      'BAD_SEEKABLE_ZSTD',
      `${source.description}: seekable zstd reader not available yet`,
      0,
    ),
  );
}
