import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DecompressStream } from 'zstd-napi';
import type { CollectorObjectStore } from '../../storage/object-store.js';

const ZSTD_FRAME_MAGIC = 0xfd2fb528;
const isSkippable = (m: number) => (m & 0xfffffff0) >>> 0 === 0x184d2a50;

export interface LocalDump {
  path: string;
  /** true when the object was a zstd stream (plain or seekable) and was inflated */
  decompressed: boolean;
  remove(): Promise<void>;
}

async function firstWord(store: CollectorObjectStore, key: string): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const c of (await store.readRange(key, 0, 3)) as AsyncIterable<Buffer>) chunks.push(c);
  const head = Buffer.concat(chunks);
  return head.length >= 4 ? head.readUInt32LE(0) : 0;
}

/**
 * Copies a stored dump to a private temp dir as a plain file, inflating zstd on the way, for
 * tools that need a local path (crash(8), drgn) or a plain zstd stream (no seek table). Always
 * a stream: the dump is never held in memory. The caller removes it (`remove()`).
 */
export async function materializeDump(
  store: CollectorObjectStore,
  key: string,
  tmpDir: string,
  signal?: AbortSignal,
): Promise<LocalDump> {
  const dir = await mkdtemp(join(tmpDir, 'kdumpfleet-analysis-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const magic = await firstWord(store, key);
    const zstd = magic === ZSTD_FRAME_MAGIC || isSkippable(magic);
    const path = join(dir, 'vmcore');
    const body: Readable = await store.readRange(key);
    const opts = signal ? { signal } : {};
    if (zstd) {
      // zstd -19 --long writes windows up to 2^27; allow up to 2^31 for other producers.
      await pipeline(
        body,
        new DecompressStream({ windowLogMax: 31 }),
        createWriteStream(path),
        opts,
      );
    } else {
      await pipeline(body, createWriteStream(path), opts);
    }
    return { path, decompressed: zstd, remove };
  } catch (e) {
    await remove();
    throw e;
  }
}
