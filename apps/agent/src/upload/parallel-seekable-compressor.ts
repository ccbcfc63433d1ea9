import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { SEEK_TABLE_SKIPPABLE_MAGIC, SEEKABLE_MAGIC } from '@kdumpfleet/szstd';

export interface ParallelCompressorOptions {
  frameSize: number;
  level: number;
  /** Worker threads (default: available CPUs, at most 8). 0 is not allowed: use libs/szstd. */
  workers?: number;
}

// Runs in each worker: one zstd-napi Compressor with exactly libs/szstd's parameters, so every
// frame is byte-identical to what createSeekableCompressor would have written.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Compressor } = require(workerData.zstd);
const c = new Compressor();
c.setParameters({ compressionLevel: workerData.level, checksumFlag: true, contentSizeFlag: true });
parentPort.on('message', ({ seq, input, size }) => {
  try {
    const frame = c.compress(Buffer.from(input, 0, size));
    // The frame is a view on a compressBound-sized ArrayBuffer: moving (or cloning) that keeps
    // up to 4 MiB alive per frame, so a frame much smaller than it is cut to size first.
    const out = frame.byteLength * 4 < frame.buffer.byteLength * 3 ? Buffer.from(frame) : frame;
    const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
    parentPort.postMessage({ seq, input, out, size }, own ? [input, out.buffer] : [input]);
  } catch (err) {
    parentPort.postMessage({ seq, input, size, error: String(err && err.message || err) }, [input]);
  }
});
`;

/** The seek table of the zstd seekable format (same bytes as libs/szstd's writer). */
export function seekTableFrame(entries: readonly { c: number; d: number }[]): Buffer {
  const body = entries.length * 8 + 9;
  const out = Buffer.alloc(8 + body);
  out.writeUInt32LE(SEEK_TABLE_SKIPPABLE_MAGIC, 0);
  out.writeUInt32LE(body, 4);
  let at = 8;
  for (const e of entries) {
    out.writeUInt32LE(e.c, at);
    out.writeUInt32LE(e.d, at + 4);
    at += 8;
  }
  out.writeUInt32LE(entries.length, at);
  out.writeUInt8(0, at + 4);
  out.writeUInt32LE(SEEKABLE_MAGIC, at + 5);
  return out;
}

interface Job {
  seq: number;
  input: ArrayBuffer;
  size: number;
}

/**
 * Seekable zstd on several cores. libs/szstd compresses on the calling thread (one core); the
 * frames of the seekable format are independent, so here each frame goes to a worker thread and
 * the results are written back in order, followed by the seek table. The output is
 * byte-identical to libs/szstd's for the same frame size and level (tested). Memory: a fixed
 * pool of `workers + 1` input frames, moved (not copied) to the workers and back, plus their
 * outputs; the Transform stops taking input while the pool is empty (backpressure).
 */
export function createParallelSeekableCompressor(opts: ParallelCompressorOptions): Transform {
  const n = opts.workers ?? Math.min(availableParallelism(), 8);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`workers ${n} must be ≥ 1`);
  const zstd = createRequire(import.meta.url).resolve('zstd-napi');
  const workers = Array.from(
    { length: n },
    () =>
      new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { zstd, level: opts.level },
        // The worker's JS heap holds almost nothing (frames are external memory): a small young
        // generation keeps each isolate's RSS down.
        resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
      }),
  );
  const idle = [...workers];
  const queue: Job[] = [];
  const done = new Map<number, { out: Uint8Array; size: number }>();
  const entries: { c: number; d: number }[] = [];
  let nextSeq = 0;
  let nextToPush = 0;
  let inFlight = 0;
  const maxInFlight = n + 1;
  // Frame buffers are reused: a fresh 4 MiB ArrayBuffer per frame would sit in RSS until GC.
  const free: ArrayBuffer[] = Array.from(
    { length: maxInFlight },
    () => new ArrayBuffer(opts.frameSize),
  );
  let pending: Buffer | null = Buffer.from(free.pop()!);
  let filled = 0;
  let failure: Error | null = null;
  let waiting: (() => void) | null = null;

  const wake = () => {
    const w = waiting;
    waiting = null;
    w?.();
  };

  const pump = () => {
    while (idle.length && queue.length) {
      const w = idle.pop()!;
      const job = queue.shift()!;
      w.postMessage(job, [job.input]);
    }
  };

  const stream = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      let at = 0;
      const step = () => {
        if (failure) return cb(failure);
        while (at < chunk.length) {
          if (!pending) {
            const b = free.pop();
            if (!b) {
              waiting = step; // every frame buffer is with a worker: resume when one returns
              return;
            }
            pending = Buffer.from(b);
          }
          const take = Math.min(opts.frameSize - filled, chunk.length - at);
          chunk.copy(pending, filled, at, at + take);
          filled += take;
          at += take;
          if (filled === opts.frameSize) submit();
        }
        cb();
      };
      step();
    },
    flush(cb: TransformCallback) {
      if (pending && filled > 0) submit();
      const finish = () => {
        if (failure) return cb(failure);
        if (inFlight > 0) {
          waiting = finish;
          return;
        }
        this.push(seekTableFrame(entries));
        void Promise.all(workers.map((w) => w.terminate())).then(() => cb(), cb);
      };
      finish();
    },
    destroy(err, cb) {
      void Promise.all(workers.map((w) => w.terminate())).finally(() => cb(err));
    },
  });

  /** Hands the current frame to a worker; the next one starts in a buffer from `free`. */
  function submit(): void {
    queue.push({ seq: nextSeq++, input: pending!.buffer as ArrayBuffer, size: filled });
    inFlight++;
    pending = null;
    filled = 0;
    pump();
  }

  for (const w of workers) {
    w.on(
      'message',
      (m: { seq: number; input: ArrayBuffer; out?: Uint8Array; size: number; error?: string }) => {
        idle.push(w);
        free.push(m.input);
        if (m.error) failure ??= new Error(`zstd frame ${m.seq}: ${m.error}`);
        else done.set(m.seq, { out: m.out!, size: m.size! });
        while (done.has(nextToPush)) {
          const r = done.get(nextToPush)!;
          done.delete(nextToPush);
          entries.push({ c: r.out.byteLength, d: r.size });
          stream.push(Buffer.from(r.out.buffer, r.out.byteOffset, r.out.byteLength));
          nextToPush++;
          inFlight--;
        }
        pump();
        wake();
      },
    );
    w.on('error', (err) => {
      failure ??= err;
      wake();
    });
  }
  return stream;
}
