/** Why a file is not a usable seekable zstd file. */
export type SeekableFormatErrorCode =
  | 'FILE_TOO_SMALL'
  | 'BAD_FOOTER_MAGIC'
  | 'RESERVED_BITS_SET'
  | 'TOO_MANY_FRAMES'
  | 'BAD_SEEK_TABLE_HEADER'
  | 'FRAME_TOO_SMALL'
  | 'FRAME_TOO_LARGE'
  | 'SIZES_DO_NOT_ADD_UP'
  | 'SHORT_READ'
  | 'FRAME_CORRUPT'
  | 'FRAME_SIZE_MISMATCH';

/**
 * A seekable zstd file (or one of its frames) is malformed. `offset` is the byte offset in
 * the compressed file where the fault was found.
 */
export class SeekableFormatError extends Error {
  override readonly name = 'SeekableFormatError';

  constructor(
    readonly code: SeekableFormatErrorCode,
    readonly offset: number,
    message: string,
  ) {
    super(`${message} (at compressed offset ${offset})`);
  }
}
