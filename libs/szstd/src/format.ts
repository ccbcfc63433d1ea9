/**
 * Magic numbers and limits of the zstd frame format and of the seekable format
 * (facebook/zstd contrib/seekable_format/zstd_seekable_compression_format.md, v0.1.0).
 * All fields are little-endian.
 */

/** First four bytes of every zstd frame (RFC 8878 §3.1.1). */
export const ZSTD_FRAME_MAGIC = 0xfd2fb528;

/** Magic of the skippable frame that carries the seek table (one of 0x184D2A50..5F). */
export const SEEK_TABLE_SKIPPABLE_MAGIC = 0x184d2a5e;

/** Last four bytes of a seekable zstd file. */
export const SEEKABLE_MAGIC = 0x8f92eab1;

/** Skippable frame header: magic (4) + frame size (4). */
export const SKIPPABLE_HEADER_SIZE = 8;

/** Footer: number of frames (4) + descriptor (1) + seekable magic (4). */
export const SEEK_TABLE_FOOTER_SIZE = 9;

/** Descriptor bit 7: every entry carries a 4-byte checksum. */
export const DESCRIPTOR_CHECKSUM_FLAG = 0x80;

/** Descriptor bits 6..2 are reserved for breaking changes and must be zero. */
export const DESCRIPTOR_RESERVED_MASK = 0x7c;

/** zstd's reference implementation refuses more frames than this (seekable.h). */
export const MAX_FRAMES = 0x8000000;

/**
 * Largest decompressed size we accept for one frame. zstd's seekable.h uses 1 GiB for the
 * writer; readers must also bound the buffer one frame decompresses into.
 */
export const MAX_FRAME_DECOMPRESSED_SIZE = 0x40000000;

/** Smallest possible zstd frame (magic + header descriptor + window/FCS byte + block header). */
export const MIN_FRAME_COMPRESSED_SIZE = 8;

/** Default amount of input per frame: 4 MiB, a few hundred pages of a dump per random read. */
export const DEFAULT_FRAME_SIZE = 4 * 1024 * 1024;

/** `read(offset, length)`: the byte source every reader in this package works on. */
export type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;
