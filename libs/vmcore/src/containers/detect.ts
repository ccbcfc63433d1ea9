import { VmcoreContainerError } from '../errors.js';
import type { ByteSource } from '../source/byte-source.js';
import { FlattenedSource } from './flattened.js';
import { hasFlatSignature } from './flattened-header.js';
import { hasSeekTableFooter, openSeekableZstd } from './seekable-zstd.js';

/**
 * How the dump is wrapped:
 * - none: the dump itself (kdump-compressed or ELF);
 * - flattened: makedumpfile -F stream;
 * - zstd-seekable: zstd frames + seek table (facebook/zstd seekable format), read in place;
 * - zstd: one ordinary zstd stream; must be decompressed before opening (reported by
 *   VmcoreContainerError NEEDS_DECOMPRESSION, or named through `containerHint` by a caller that
 *   decompressed it).
 */
export type ContainerKind = 'none' | 'flattened' | 'zstd' | 'zstd-seekable';

export const ZSTD_FRAME_MAGIC = 0xfd2fb528;
/** skippable frames: 0x184D2A50..0x184D2A5F */
export const ZSTD_SKIPPABLE_MAGIC_MIN = 0x184d2a50;

export interface OpenedContainer {
  container: ContainerKind;
  /** the logical bytes of the dump */
  source: ByteSource;
  /** the container shows the dump was cut short (flattened stream without its end marker) */
  truncated: boolean;
}

export async function openContainer(source: ByteSource): Promise<OpenedContainer> {
  if (source.size === 0)
    throw new VmcoreContainerError('EMPTY', `${source.description} is empty`, 0);
  const head = await source.read(0, 32);
  if (hasFlatSignature(head)) {
    const flat = await FlattenedSource.open(source);
    return { container: 'flattened', source: flat, truncated: flat.truncated };
  }
  const magic =
    head.length >= 4 ? new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true) : 0;
  const isZstd = magic === ZSTD_FRAME_MAGIC || (magic & 0xfffffff0) === ZSTD_SKIPPABLE_MAGIC_MIN;
  if (isZstd) {
    if (await hasSeekTableFooter(source)) {
      return {
        container: 'zstd-seekable',
        source: await openSeekableZstd(source),
        truncated: false,
      };
    }
    throw new VmcoreContainerError(
      'NEEDS_DECOMPRESSION',
      `${source.description} is a plain zstd stream (no seek table); decompress it first`,
      0,
    );
  }
  return { container: 'none', source, truncated: false };
}
