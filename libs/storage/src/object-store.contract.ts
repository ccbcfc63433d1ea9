/**
 * The behaviour every ObjectStore backend must share, as a vitest suite. Run by
 * fs-object-store.test.ts (always) and by test/s3/storage-s3.test.ts against a real Ceph RGW.
 * Not part of the build (tsconfig excludes *.contract.ts): it imports vitest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ObjectKeyError,
  ObjectMetadataError,
  ObjectNotFoundError,
  ObjectRangeError,
  ObjectSizeMismatchError,
} from './errors.js';
import type { ObjectStore } from './object-store.js';

export interface ContractOptions {
  /** Bytes of the large streamed write (default 64 MiB). */
  largeBytes?: number;
  /** Most the process RSS may grow during the large write. */
  maxRssGrowth: number;
  /** The backend implements presignGet (decided when the suite is declared). */
  presign: boolean;
  /** Called with measured figures so suites can print them. */
  report?: (line: string) => void;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const body = (bytes: Uint8Array, chunk = 65_536): Readable =>
  Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += chunk) yield Buffer.from(bytes.subarray(i, i + chunk));
    })(),
  );

/** A way to force garbage collection, so RSS reflects live memory rather than garbage. */
function gcFunction(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

export function describeObjectStoreContract(
  name: string,
  getStore: () => ObjectStore,
  opts: ContractOptions,
): void {
  const prefix = `contract-${randomBytes(4).toString('hex')}`;
  let n = 0;
  const key = (leaf = 'obj') => `${prefix}/${n++}/${leaf}`;

  describe(`ObjectStore contract: ${name}`, () => {
    it('answers ping', async () => {
      await expect(getStore().ping()).resolves.toBeUndefined();
    });

    it('writes, stats and reads back an object with its content type and metadata', async () => {
      const store = getStore();
      const k = key('vmcore-1.zst');
      const data = randomBytes(100_000);
      const before = Date.now();
      const written = await store.write(k, body(data), {
        size: data.length,
        contentType: 'application/zstd',
        metadata: { node: 'web-1', sha256: createHash('sha256').update(data).digest('hex') },
      });
      expect(written.size).toBe(data.length);
      const st = await store.stat(k);
      expect(st).not.toBeNull();
      expect(st!.key).toBe(k);
      expect(st!.size).toBe(data.length);
      expect(st!.contentType).toBe('application/zstd');
      expect(st!.metadata).toEqual({
        node: 'web-1',
        sha256: createHash('sha256').update(data).digest('hex'),
      });
      expect(Math.abs(st!.lastModified.getTime() - before)).toBeLessThan(120_000);
      expect(await readAll(await store.readRange(k))).toEqual(data);
    });

    it('returns exact byte ranges (end clamped, start past end refused)', async () => {
      const store = getStore();
      const k = key();
      const data = randomBytes(10_000);
      await store.write(k, body(data, 777));
      await fc.assert(
        fc.asyncProperty(fc.nat(data.length - 1), fc.nat(data.length + 50), async (start, len) => {
          const end = start + len;
          const got = await readAll(await store.readRange(k, start, end));
          expect(got).toEqual(data.subarray(start, end + 1));
        }),
        { numRuns: 40 },
      );
      expect(await readAll(await store.readRange(k, 9_990))).toEqual(data.subarray(9_990));
      expect(await readAll(await store.readRange(k, 0, 0))).toEqual(data.subarray(0, 1));
      await expect(store.readRange(k, data.length)).rejects.toBeInstanceOf(ObjectRangeError);
      await expect(store.readRange(k, 5, 4)).rejects.toBeInstanceOf(RangeError);
      await expect(store.readRange(k, -1)).rejects.toBeInstanceOf(RangeError);
    });

    it('stores empty objects', async () => {
      const store = getStore();
      const k = key();
      expect((await store.write(k, body(new Uint8Array(0)), { size: 0 })).size).toBe(0);
      expect((await store.stat(k))?.size).toBe(0);
      expect((await readAll(await store.readRange(k))).length).toBe(0);
    });

    it('replaces an object and its metadata on overwrite', async () => {
      const store = getStore();
      const k = key();
      await store.write(k, body(Buffer.from('first version')), {
        metadata: { v: '1' },
        contentType: 'text/plain',
      });
      await store.write(k, body(Buffer.from('second')));
      expect((await readAll(await store.readRange(k))).toString()).toBe('second');
      const st = await store.stat(k);
      expect(st?.metadata).toEqual({});
      expect(st?.size).toBe(6);
    });

    it('deletes, and deleting again is not an error', async () => {
      const store = getStore();
      const k = key();
      await store.write(k, body(Buffer.from('bye')));
      await store.delete(k);
      expect(await store.stat(k)).toBeNull();
      await expect(store.readRange(k)).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.delete(k)).resolves.toBeUndefined();
    });

    it('reports missing objects as null / ObjectNotFoundError', async () => {
      const store = getStore();
      const k = key('never-written');
      expect(await store.stat(k)).toBeNull();
      const err = await store.readRange(k, 0, 10).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjectNotFoundError);
      expect((err as ObjectNotFoundError).key).toBe(k);
    });

    it('accepts ordinary names with spaces, unicode and dots', async () => {
      const store = getStore();
      for (const leaf of ['vmcore 2024-01-01.zst', 'dmesg.txt', 'крах-ядра.log', 'a.b.c']) {
        const k = key(leaf);
        await store.write(k, body(Buffer.from(leaf)));
        expect((await readAll(await store.readRange(k))).toString()).toBe(leaf);
      }
    });

    it('rejects unsafe keys with ObjectKeyError on every operation', async () => {
      const store = getStore();
      const bad = [
        '',
        '../escape',
        'a/../../b',
        '/etc/passwd',
        'a\0b',
        'a//b',
        'a/./b',
        'a/',
        '.tmp/x',
        'a\\b',
        'x'.repeat(1025),
      ];
      for (const k of bad) {
        await expect(store.write(k, body(Buffer.from('x'))), k).rejects.toBeInstanceOf(
          ObjectKeyError,
        );
        await expect(store.stat(k), k).rejects.toBeInstanceOf(ObjectKeyError);
        await expect(store.readRange(k), k).rejects.toBeInstanceOf(ObjectKeyError);
        await expect(store.delete(k), k).rejects.toBeInstanceOf(ObjectKeyError);
      }
    });

    it('rejects metadata that cannot travel as headers', async () => {
      const store = getStore();
      const bad: Record<string, string>[] = [
        { Upper: 'x' },
        { 'content-type': 'x' },
        { ok: 'line\nbreak' },
        { ok: 'é' },
      ];
      for (const metadata of bad) {
        await expect(
          store.write(key(), body(Buffer.from('x')), { metadata }),
        ).rejects.toBeInstanceOf(ObjectMetadataError);
      }
    });

    it('stores nothing when the body is shorter or longer than declared', async () => {
      const store = getStore();
      const k = key();
      await store.write(k, body(Buffer.from('previous')));
      for (const size of [100, 3]) {
        const err = await store.write(k, body(randomBytes(50)), { size }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ObjectSizeMismatchError);
        expect((await readAll(await store.readRange(k))).toString()).toBe('previous');
      }
    });

    it('stores nothing when the body stream fails midway', async () => {
      const store = getStore();
      const k = key();
      const failing = Readable.from(
        (async function* () {
          // 12 MiB: past one S3 part, so a multipart upload is under way when it fails
          for (let i = 0; i < 3; i++) yield randomBytes(4 << 20);
          throw new Error('client went away');
        })(),
      );
      await expect(store.write(k, failing)).rejects.toThrow('client went away');
      expect(await store.stat(k)).toBeNull();
    });

    it('streams a large write with bounded memory and reads it back intact', async () => {
      const store = getStore();
      const k = key('large.bin');
      const total = opts.largeBytes ?? 64 * 1024 * 1024;
      const gc = gcFunction();
      const hash = createHash('sha256');
      gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const t0 = performance.now();
      try {
        const source = Readable.from(
          (function* () {
            for (let done = 0; done < total; done += 1 << 20) {
              const chunk = randomBytes(Math.min(1 << 20, total - done));
              hash.update(chunk);
              if ((done & ((8 << 20) - 1)) === 0) gc?.();
              yield chunk;
            }
          })(),
        );
        // size unknown: the hardest case for bounded memory on S3 (multipart with guessed parts)
        const st = await store.write(k, source);
        expect(st.size).toBe(total);
      } finally {
        clearInterval(sample);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      const seconds = (performance.now() - t0) / 1000;
      const growth = peak - before;
      opts.report?.(
        `${name}: ${total >> 20} MiB streamed write in ${seconds.toFixed(2)} s ` +
          `(${(total / seconds / 1e6).toFixed(0)} MB/s), RSS before ${(before / 2 ** 20).toFixed(0)} MiB, ` +
          `peak growth ${(growth / 2 ** 20).toFixed(1)} MiB${gc ? '' : ' (no gc available)'}`,
      );
      expect(growth).toBeLessThan(opts.maxRssGrowth);
      const readBack = createHash('sha256');
      for await (const c of await store.readRange(k)) readBack.update(c as Buffer);
      expect(readBack.digest('hex')).toBe(hash.digest('hex'));
      await store.delete(k);
    });

    it('lists objects under a prefix', async () => {
      const store = getStore();
      if (!store.list) throw new Error('both backends implement list()');
      const dir = key('listing');
      await store.write(`${dir}/a`, body(Buffer.from('a')));
      await store.write(`${dir}/sub/b`, body(Buffer.from('bb')));
      const found: Record<string, number> = {};
      for await (const o of store.list(`${dir}/`)) found[o.key] = o.size;
      expect(found).toEqual({ [`${dir}/a`]: 1, [`${dir}/sub/b`]: 2 });
    });

    // declared only for backends with presigned URLs (fs has none): nothing is skipped
    if (opts.presign)
      it('presigns GET URLs that serve the bytes, ranges and the download name', async () => {
        const store = getStore();
        if (!store.presignGet)
          throw new Error(`${name} was declared with presign but has no presignGet`);
        const k = key('vmcore.zst');
        const data = randomBytes(5000);
        await store.write(k, body(data));
        const url = await store.presignGet(k, 300, { filename: 'vmcore node-1 "α".zst' });
        const full = await fetch(url);
        expect(full.status).toBe(200);
        expect(Buffer.from(await full.arrayBuffer())).toEqual(data);
        const disposition = full.headers.get('content-disposition') ?? '';
        expect(disposition).toContain('attachment');
        expect(disposition).toContain("filename*=UTF-8''vmcore%20node-1%20%22%CE%B1%22.zst");
        const part = await fetch(url, { headers: { Range: 'bytes=100-199' } });
        expect(part.status).toBe(206);
        expect(part.headers.get('content-range')).toBe(`bytes 100-199/${data.length}`);
        expect(Buffer.from(await part.arrayBuffer())).toEqual(data.subarray(100, 200));
        const tampered = url.replace(
          /X-Amz-Signature=([0-9a-f])/,
          (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
        );
        expect((await fetch(tampered)).status).toBe(403);
      });
  });
}
