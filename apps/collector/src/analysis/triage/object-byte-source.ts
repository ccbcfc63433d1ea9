import type { Readable } from 'node:stream';
import { RangedReadSource, type ByteSource } from '@kdumpfleet/vmcore';
import { SeekableZstdReader, isSeekableZstd, readSeekTable } from '@kdumpfleet/szstd';
import type { CollectorObjectStore } from '../../storage/object-store.js';

async function collect(stream: Readable, expected: number): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  let at = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const n = Math.min(chunk.length, expected - at);
    out.set(chunk.subarray(0, n), at);
    at += n;
  }
  return at === expected ? out : out.subarray(0, at);
}

/** Counts what was fetched from the object store (the figure the benchmark compares to size). */
export interface StoreReadCounter {
  bytes: number;
  requests: number;
}

/** `(offset, length) → bytes` over one stored object: one ranged GET (or file read) per call. */
export function objectRangedRead(
  store: CollectorObjectStore,
  key: string,
  counter: StoreReadCounter,
): (offset: number, length: number) => Promise<Uint8Array> {
  return async (offset, length) => {
    if (length === 0) return new Uint8Array(0);
    counter.requests++;
    const bytes = await collect(await store.readRange(key, offset, offset + length - 1), length);
    counter.bytes += bytes.length;
    return bytes;
  };
}

export interface OpenedObject {
  source: ByteSource;
  /** what the stored object was, when it had to be unwrapped here */
  containerHint: 'zstd-seekable' | undefined;
}

/**
 * The stored dump as a random-access ByteSource read in place through ranged reads. A seekable
 * zstd object (what the agent uploads) is opened through its seek table with libs/szstd, so
 * only the frames holding the header, VMCOREINFO, page tables and log are fetched and inflated.
 */
export async function openStoredDump(
  store: CollectorObjectStore,
  key: string,
  size: number,
  counter: StoreReadCounter,
): Promise<OpenedObject> {
  const read = objectRangedRead(store, key, counter);
  if (await isSeekableZstd(read, size)) {
    const reader = new SeekableZstdReader(read, await readSeekTable(read, size));
    return {
      source: new RangedReadSource(
        reader.size,
        (o, l) => reader.read(o, l),
        `${key} (seekable zstd)`,
      ),
      containerHint: 'zstd-seekable',
    };
  }
  return { source: new RangedReadSource(size, read, key), containerHint: undefined };
}
