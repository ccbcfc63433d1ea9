// The flattened index over a ranged (object-store) source: the record headers lie between the
// records' data, so the scan must cross the whole stream; it should do so in a handful of large
// requests, not one request per record (~700 GETs, ~31 s over Ceph RGW before).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSource } from '../source/file-source.js';
import { RangedReadSource } from '../source/ranged-read-source.js';
import type { ByteSource } from '../source/byte-source.js';
import { listVmcoreFixtures, vmcoreFixturesDir } from '../testing/fixtures.js';
import { openVmcore } from '../open.js';
import { readKernelLog } from '../read-kernel-log.js';
import { FlattenedSource } from './flattened.js';

const flat = listVmcoreFixtures().find((f) => f.truth.container === 'flattened');
if (!flat)
  console.warn(
    `no flattened vmcore fixture under ${vmcoreFixturesDir}: flattened-remote tests skipped`,
  );

interface Counter {
  fetches: number;
  bytes: number;
  largest: number;
}

function ranged(file: FileSource, counter: Counter, readAhead?: number): RangedReadSource {
  return new RangedReadSource(
    file.size,
    async (o, l) => {
      counter.fetches++;
      counter.bytes += l;
      counter.largest = Math.max(counter.largest, l);
      return file.read(o, l);
    },
    file.description,
    undefined,
    readAhead === undefined ? {} : { readAhead },
  );
}

async function digest(src: ByteSource): Promise<string> {
  const h = createHash('sha256');
  for (let at = 0; at < src.size; at += 4 << 20) h.update(await src.read(at, 4 << 20));
  return h.digest('hex');
}

const fresh = (): Counter => ({ fetches: 0, bytes: 0, largest: 0 });

describe.skipIf(!flat)('flattened index over a ranged source', () => {
  let file: FileSource;
  beforeAll(async () => {
    file = await FileSource.open(flat!.dumpPath);
  });
  afterAll(async () => {
    await file?.close();
  });

  it('reads the record headers in a few large blocks, never beyond readAhead', async () => {
    const perHeader = fresh();
    const before = await FlattenedSource.open(ranged(file, perHeader, 0));
    const blocks = fresh();
    const after = await FlattenedSource.open(ranged(file, blocks));
    console.log(
      `flattened index of ${flat!.name} (${before.recordCount} records): ` +
        `${perHeader.fetches} requests one header each, ${blocks.fetches} with read-ahead ` +
        `(${blocks.bytes} bytes, largest ${blocks.largest})`,
    );
    expect(perHeader.fetches).toBeGreaterThan(before.recordCount); // one per header + end marker
    expect(blocks.fetches).toBeLessThan(20);
    expect(blocks.fetches).toBe(after.indexFetches + 1); // + the 32-byte signature read
    expect(blocks.largest).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(blocks.bytes).toBeLessThanOrEqual(file.size); // crosses the stream once
    // same index: same records, same logical bytes
    expect(after.recordCount).toBe(before.recordCount);
    expect(after.size).toBe(before.size);
    expect(after.truncated).toBe(before.truncated);
    expect(await digest(after)).toBe(await digest(before));

    const small = fresh();
    await FlattenedSource.open(ranged(file, small, 1024 * 1024));
    expect(small.largest).toBeLessThanOrEqual(1024 * 1024);
  });

  it('triages through the ranged source in far fewer requests, with the same kernel log', async () => {
    const run = async (readAhead?: number): Promise<{ counter: Counter; log: string }> => {
      const counter = fresh();
      const v = await openVmcore(ranged(file, counter, readAhead));
      try {
        const log = (await readKernelLog(v)).text;
        await (await v.kallsyms()).address('panic');
        return { counter, log };
      } finally {
        await v.close();
      }
    };
    const before = await run(0);
    const after = await run();
    console.log(
      `open + dmesg + kallsyms of ${flat!.name} over a ranged source: ` +
        `${before.counter.fetches} requests / ${before.counter.bytes} bytes without read-ahead, ` +
        `${after.counter.fetches} requests / ${after.counter.bytes} bytes with it`,
    );
    expect(after.log).toBe(before.log);
    expect(before.counter.fetches).toBeGreaterThan(650);
    expect(after.counter.fetches).toBeLessThan(100);
    // the stream once for the index, then gaps of up to 64 KiB read through instead of skipped
    expect(after.counter.bytes).toBeLessThan(file.size * 1.4);
  });
});
