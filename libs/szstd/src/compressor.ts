import { Transform, type TransformCallback } from 'node:stream';
import { Compressor } from 'zstd-napi';
import { DEFAULT_FRAME_SIZE, MAX_FRAME_DECOMPRESSED_SIZE } from './format.js';
import { encodeSeekTable } from './seek-table.js';

export interface SeekableCompressorOptions {
  /** Bytes of input per independent zstd frame (default 4 MiB, at most 1 GiB). */
  frameSize?: number;
  /** zstd compression level (default 3). */
  level?: number;
}

/**
 * Bytes in → seekable zstd out. Input is cut into `frameSize` pieces, each compressed into an
 * independent zstd frame carrying its content size and zstd's own content checksum; on end a
 * seek table frame is appended. Memory stays at one frame of input plus its output; the
 * Transform base class holds back writes while the reader is slow (backpressure).
 */
export function createSeekableCompressor(opts: SeekableCompressorOptions = {}): Transform {
  const frameSize = opts.frameSize ?? DEFAULT_FRAME_SIZE;
  if (!Number.isInteger(frameSize) || frameSize < 1 || frameSize > MAX_FRAME_DECOMPRESSED_SIZE) {
    throw new RangeError(
      `frameSize ${frameSize} must be an integer in 1..${MAX_FRAME_DECOMPRESSED_SIZE}`,
    );
  }
  const compressor = new Compressor();
  compressor.setParameters({
    compressionLevel: opts.level ?? 3,
    // The frame's own XXH64 content checksum, checked by every zstd decoder (and by our
    // reader through libzstd): this is why the seek table itself carries no checksums.
    checksumFlag: true,
    contentSizeFlag: true,
  });
  const entries: { compressedSize: number; decompressedSize: number }[] = [];
  let pending = Buffer.allocUnsafe(frameSize);
  let filled = 0;

  const emitFrame = (stream: Transform): void => {
    const frame = compressor.compress(pending.subarray(0, filled));
    entries.push({ compressedSize: frame.length, decompressedSize: filled });
    stream.push(frame);
    // compress() returned a fresh buffer, so `pending` can be reused for the next frame
    filled = 0;
  };

  return new Transform({
    transform(
      this: Transform,
      chunk: Buffer | Uint8Array,
      _enc: BufferEncoding,
      done: TransformCallback,
    ) {
      try {
        let at = 0;
        while (at < chunk.length) {
          const n = Math.min(frameSize - filled, chunk.length - at);
          pending.set(chunk.subarray(at, at + n), filled);
          filled += n;
          at += n;
          if (filled === frameSize) emitFrame(this);
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(this: Transform, done: TransformCallback) {
      try {
        if (filled > 0) emitFrame(this);
        this.push(encodeSeekTable(entries));
        pending = Buffer.alloc(0);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
