import { SeekableFormatError } from './errors.js';
import {
  DESCRIPTOR_CHECKSUM_FLAG,
  DESCRIPTOR_RESERVED_MASK,
  MAX_FRAMES,
  MAX_FRAME_DECOMPRESSED_SIZE,
  MIN_FRAME_COMPRESSED_SIZE,
  SEEKABLE_MAGIC,
  SEEK_TABLE_FOOTER_SIZE,
  SEEK_TABLE_SKIPPABLE_MAGIC,
  SKIPPABLE_HEADER_SIZE,
  type ReadRange,
} from './format.js';

/** One frame of a seekable file, with its position on both sides of compression. */
export interface SeekFrame {
  readonly compressedOffset: number;
  readonly compressedSize: number;
  readonly decompressedOffset: number;
  readonly decompressedSize: number;
  /** Low 32 bits of XXH64 of the decompressed frame, when the table carries checksums. */
  readonly checksum?: number;
}

/** The parsed seek table: where each frame lives and what range of the original it holds. */
export class SeekTable {
  readonly frames: readonly SeekFrame[];
  readonly decompressedSize: number;
  /** Bytes of zstd frames, i.e. the file size without the seek table frame. */
  readonly compressedSize: number;
  /** Frames holding at least one byte, in order: what frameIndexAt searches. */
  private readonly nonEmpty: readonly number[];

  constructor(frames: readonly SeekFrame[]) {
    this.frames = frames;
    const last = frames.at(-1);
    this.decompressedSize = last ? last.decompressedOffset + last.decompressedSize : 0;
    this.compressedSize = last ? last.compressedOffset + last.compressedSize : 0;
    this.nonEmpty = frames.flatMap((f, i) => (f.decompressedSize > 0 ? [i] : []));
  }

  /** Index of the frame holding decompressed byte `decompressedOffset` (binary search). */
  frameIndexAt(decompressedOffset: number): number {
    if (
      !Number.isInteger(decompressedOffset) ||
      decompressedOffset < 0 ||
      decompressedOffset >= this.decompressedSize
    ) {
      throw new RangeError(
        `decompressed offset ${decompressedOffset} is outside 0..${this.decompressedSize - 1}`,
      );
    }
    let lo = 0;
    let hi = this.nonEmpty.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const frame = this.frames[this.nonEmpty[mid]!]!;
      if (frame.decompressedOffset <= decompressedOffset) lo = mid;
      else hi = mid - 1;
    }
    return this.nonEmpty[lo]!;
  }
}

/** Serialises a seek table frame (skippable header, entries, footer) for the writer. */
export function encodeSeekTable(
  entries: readonly { compressedSize: number; decompressedSize: number }[],
): Buffer {
  const entrySize = 8;
  const body = entries.length * entrySize + SEEK_TABLE_FOOTER_SIZE;
  const out = Buffer.alloc(SKIPPABLE_HEADER_SIZE + body);
  out.writeUInt32LE(SEEK_TABLE_SKIPPABLE_MAGIC, 0);
  out.writeUInt32LE(body, 4);
  let at = SKIPPABLE_HEADER_SIZE;
  for (const e of entries) {
    out.writeUInt32LE(e.compressedSize, at);
    out.writeUInt32LE(e.decompressedSize, at + 4);
    at += entrySize;
  }
  out.writeUInt32LE(entries.length, at);
  out.writeUInt8(0, at + 4); // descriptor: no checksums (zstd frames carry their own)
  out.writeUInt32LE(SEEKABLE_MAGIC, at + 5);
  return out;
}

/** Calls `read` and insists on getting exactly `length` bytes. */
export async function readExactly(
  read: ReadRange,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  const bytes = await read(offset, length);
  if (bytes.length !== length) {
    throw new SeekableFormatError(
      'SHORT_READ',
      offset,
      `asked for ${length} bytes, the byte source returned ${bytes.length}`,
    );
  }
  return bytes;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads and validates the seek table at the end of a seekable zstd file of `fileSize` bytes.
 * Every count and size is checked against the file size before anything is allocated, so a
 * garbled footer cannot make us read or allocate more than the file holds.
 */
export async function readSeekTable(read: ReadRange, fileSize: number): Promise<SeekTable> {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new RangeError(`file size ${fileSize} is not a non-negative integer`);
  }
  const minSize = SKIPPABLE_HEADER_SIZE + SEEK_TABLE_FOOTER_SIZE;
  if (fileSize < minSize) {
    throw new SeekableFormatError(
      'FILE_TOO_SMALL',
      0,
      `file of ${fileSize} bytes is too small for a seek table (${minSize} bytes at least)`,
    );
  }
  const footerAt = fileSize - SEEK_TABLE_FOOTER_SIZE;
  const footer = view(await readExactly(read, footerAt, SEEK_TABLE_FOOTER_SIZE));
  const magic = footer.getUint32(5, true);
  if (magic !== SEEKABLE_MAGIC) {
    throw new SeekableFormatError(
      'BAD_FOOTER_MAGIC',
      footerAt + 5,
      `no seekable zstd footer: magic 0x${magic.toString(16)}, expected 0x${SEEKABLE_MAGIC.toString(16)}`,
    );
  }
  const frameCount = footer.getUint32(0, true);
  const descriptor = footer.getUint8(4);
  if ((descriptor & DESCRIPTOR_RESERVED_MASK) !== 0) {
    throw new SeekableFormatError(
      'RESERVED_BITS_SET',
      footerAt + 4,
      `seek table descriptor 0x${descriptor.toString(16)} has reserved bits set`,
    );
  }
  const hasChecksums = (descriptor & DESCRIPTOR_CHECKSUM_FLAG) !== 0;
  const entrySize = hasChecksums ? 12 : 8;
  const tableBody = frameCount * entrySize + SEEK_TABLE_FOOTER_SIZE;
  // Each frame needs its entry plus at least a minimal zstd frame: bound the count by the file.
  const maxByFile = Math.floor(
    (fileSize - SKIPPABLE_HEADER_SIZE - SEEK_TABLE_FOOTER_SIZE) /
      (entrySize + MIN_FRAME_COMPRESSED_SIZE),
  );
  if (frameCount > MAX_FRAMES || frameCount > maxByFile) {
    throw new SeekableFormatError(
      'TOO_MANY_FRAMES',
      footerAt,
      `seek table claims ${frameCount} frames, a ${fileSize}-byte file can hold at most ${Math.min(maxByFile, MAX_FRAMES)}`,
    );
  }
  const tableAt = fileSize - SKIPPABLE_HEADER_SIZE - tableBody;
  const table = view(
    await readExactly(read, tableAt, SKIPPABLE_HEADER_SIZE + tableBody - SEEK_TABLE_FOOTER_SIZE),
  );
  const skippableMagic = table.getUint32(0, true);
  const declaredBody = table.getUint32(4, true);
  if (skippableMagic !== SEEK_TABLE_SKIPPABLE_MAGIC || declaredBody !== tableBody) {
    throw new SeekableFormatError(
      'BAD_SEEK_TABLE_HEADER',
      tableAt,
      `seek table frame header (magic 0x${skippableMagic.toString(16)}, size ${declaredBody}) does not match ` +
        `a ${frameCount}-frame table (magic 0x${SEEK_TABLE_SKIPPABLE_MAGIC.toString(16)}, size ${tableBody})`,
    );
  }
  const frames: SeekFrame[] = new Array<SeekFrame>(frameCount);
  let compressedOffset = 0;
  let decompressedOffset = 0;
  for (let i = 0; i < frameCount; i++) {
    const at = SKIPPABLE_HEADER_SIZE + i * entrySize;
    const compressedSize = table.getUint32(at, true);
    const decompressedSize = table.getUint32(at + 4, true);
    if (compressedSize < MIN_FRAME_COMPRESSED_SIZE) {
      throw new SeekableFormatError(
        'FRAME_TOO_SMALL',
        tableAt + at,
        `frame ${i} claims ${compressedSize} compressed bytes; no zstd frame is that small`,
      );
    }
    if (decompressedSize > MAX_FRAME_DECOMPRESSED_SIZE) {
      throw new SeekableFormatError(
        'FRAME_TOO_LARGE',
        tableAt + at + 4,
        `frame ${i} claims ${decompressedSize} decompressed bytes, more than the ${MAX_FRAME_DECOMPRESSED_SIZE} allowed`,
      );
    }
    frames[i] = hasChecksums
      ? {
          compressedOffset,
          compressedSize,
          decompressedOffset,
          decompressedSize,
          checksum: table.getUint32(at + 8, true),
        }
      : { compressedOffset, compressedSize, decompressedOffset, decompressedSize };
    compressedOffset += compressedSize;
    decompressedOffset += decompressedSize;
    if (compressedOffset > tableAt) break; // reported below; stop before summing garbage
  }
  if (compressedOffset !== tableAt) {
    throw new SeekableFormatError(
      'SIZES_DO_NOT_ADD_UP',
      tableAt,
      `frames add up to ${compressedOffset} compressed bytes, but the seek table starts at ${tableAt}`,
    );
  }
  return new SeekTable(frames);
}
