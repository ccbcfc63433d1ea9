import { VmcoreFormatError } from '../errors.js';
import type { ByteSource } from './byte-source.js';

/** Read exactly `length` bytes or fail with a TRUNCATED error naming what was being read. */
export async function readExact(
  source: ByteSource,
  offset: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > source.size) {
    throw new VmcoreFormatError(
      'TRUNCATED',
      `${what} at offset ${offset} (+${length}) lies beyond the end of ${source.description} (${source.size} bytes)`,
      { offset, field: what },
    );
  }
  const bytes = await source.read(offset, length);
  if (bytes.length !== length) {
    throw new VmcoreFormatError('TRUNCATED', `${what}: short read at offset ${offset}`, {
      offset,
      field: what,
    });
  }
  return bytes;
}
