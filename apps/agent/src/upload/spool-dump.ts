import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createSeekableCompressor } from '@kdumpfleet/szstd';
import { createParallelSeekableCompressor } from './parallel-seekable-compressor.js';

/** The bytes that will be uploaded, on disk, with their sha256 and size. */
export interface SpoolFile {
  path: string;
  sha256: string;
  size: number;
  encoding: 'zstd' | 'none';
}

export class SpoolError extends Error {
  readonly code: 'NO_SPACE' | 'READ_FAILED' | 'WRITE_FAILED';
  constructor(code: SpoolError['code'], message: string) {
    super(message);
    this.code = code;
    this.name = 'SpoolError';
  }
}

/** Passes bytes through while hashing and counting them: sha256 of exactly what is written. */
class Sha256Tap extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

export interface SpoolOptions {
  spoolDir: string;
  /** File name inside spoolDir (the ledger key). */
  name: string;
  frameSize: number;
  level: number;
  /** Compression threads: 1 compresses on this thread (libs/szstd), more use worker threads. */
  threads?: number;
  /** Leave this many bytes free on the spool's filesystem. */
  minFreeBytes: number;
  onProgress?: (bytesIn: number) => void;
}

/**
 * Why a spool file: the collector's tus contract takes the sha256 of the *uploaded* bytes in
 * Upload-Metadata, which is sent once, at creation. The compressed bytes' hash is known only at
 * the end of compression, and tus has no way to amend metadata later. So the dump is compressed
 * once into `<stateDir>/spool/<key>.zst` (hashing the compressed output as it is written), then
 * the spool file is uploaded; a resumed upload reads the same file from its offset, so a kill or
 * a reboot costs neither a recompression nor a restart. Memory: one zstd frame (4 MiB) plus
 * stream buffers. Written as `.partial` then renamed: a partial spool is never uploaded.
 */
export async function spoolCompressed(source: string, opts: SpoolOptions): Promise<SpoolFile> {
  await mkdir(opts.spoolDir, { recursive: true, mode: 0o700 });
  const fh = await open(source, 'r');
  const sourceSize = (await fh.stat()).size;
  await fh.close();
  const fs = await statfs(opts.spoolDir);
  const free = fs.bavail * fs.bsize;
  // Worst case a dump does not compress at all (makedumpfile's pages already are).
  const worst = sourceSize + Math.ceil(sourceSize / 1000) + 65536;
  if (free - opts.minFreeBytes < worst)
    throw new SpoolError(
      'NO_SPACE',
      `the spool needs up to ${worst} bytes in ${opts.spoolDir} but only ${Math.max(0, free - opts.minFreeBytes)} are free above minFreeSpace (set stateDir on a bigger filesystem)`,
    );
  const final = join(opts.spoolDir, `${opts.name}.zst`);
  const partial = `${final}.partial`;
  const tap = new Sha256Tap();
  let bytesIn = 0;
  const input = createReadStream(source, { highWaterMark: 1 << 20 });
  input.on('data', (c: Buffer | string) => {
    bytesIn += c.length;
    opts.onProgress?.(bytesIn);
  });
  const out = createWriteStream(partial, { mode: 0o600 });
  try {
    await pipeline(
      input,
      (opts.threads ?? 1) > 1
        ? createParallelSeekableCompressor({
            frameSize: opts.frameSize,
            level: opts.level,
            workers: opts.threads,
          })
        : createSeekableCompressor({ frameSize: opts.frameSize, level: opts.level }),
      tap,
      out,
    );
    const h = await open(partial, 'r+');
    await h.sync();
    await h.close();
    await rename(partial, final);
  } catch (err) {
    await rm(partial, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC')
      throw new SpoolError('NO_SPACE', `ran out of space writing the spool in ${opts.spoolDir}`);
    throw new SpoolError('WRITE_FAILED', `compressing ${source} failed: ${(err as Error).message}`);
  }
  return { path: final, sha256: tap.hash.digest('hex'), size: tap.bytes, encoding: 'zstd' };
}
