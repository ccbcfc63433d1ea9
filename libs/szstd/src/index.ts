export { createSeekableCompressor, type SeekableCompressorOptions } from './compressor.js';
export { isSeekableZstd, startsWithZstdFrame } from './detect.js';
export { SeekableFormatError, type SeekableFormatErrorCode } from './errors.js';
export {
  DEFAULT_FRAME_SIZE,
  MAX_FRAME_DECOMPRESSED_SIZE,
  SEEKABLE_MAGIC,
  SEEK_TABLE_SKIPPABLE_MAGIC,
  ZSTD_FRAME_MAGIC,
  type ReadRange,
} from './format.js';
export { SeekableZstdReader, type SeekableZstdReaderOptions } from './reader.js';
export { SeekTable, readSeekTable, type SeekFrame } from './seek-table.js';
