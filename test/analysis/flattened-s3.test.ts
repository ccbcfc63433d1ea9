// A makedumpfile flattened dump (-F) triaged from S3 (Ceph RGW, test/s3 harness). Its record
// headers lie between the records' data, so indexing them crosses the whole stream: one ranged
// GET per header made that ~700 GETs, ~31 s over RGW. The index now reads growing blocks (up to
// 8 MiB). Measured twice here on the same object — read-ahead off (the old way) and on — and
// then through the collector's own S3 triage path.
import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { TriageResult } from '@kdumpfleet/contracts';
import { S3ObjectStore } from '@kdumpfleet/storage';
import { triageVmcore } from '@kdumpfleet/triage';
import { RangedReadSource } from '@kdumpfleet/vmcore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, type RunningCollector } from '../collector/harness.js';
import { collectorS3Env, startS3, type S3Server } from '../s3/harness.js';
import { fixtures, getJson, upload, waitForAnalysis } from './analysis-harness.js';

const flat = fixtures().find((f) => f.truth.container === 'flattened');
if (!flat) console.warn('no flattened vmcore fixture under ../shared/fixtures: test skipped');

async function collect(stream: Readable, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let at = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    out.set(chunk.subarray(0, length - at), at);
    at += Math.min(chunk.length, length - at);
  }
  return at === length ? out : out.subarray(0, at);
}

describe.skipIf(!flat)('flattened dump triaged from S3 (Ceph RGW)', () => {
  let s3: S3Server | null = null;
  let store: S3ObjectStore | undefined;
  let c: RunningCollector | undefined;
  const key = 'fixtures/flattened';
  beforeAll(async () => {
    s3 = await startS3({ bucket: 'kdf-flattened-test' });
    if (!s3) return; // startS3 printed why and what to install (and throws under CI=true)
    store = new S3ObjectStore({
      endpoint: s3.endpoint,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey,
      bucket: s3.bucket,
      region: s3.region,
      createBucket: true,
    });
    await store.write(key, createReadStream(flat!.path), { size: statSync(flat!.path).size });
  });
  afterAll(async () => {
    await c?.stop();
    if (c) removeDir(c.dataDir);
    await s3?.stop();
  });

  it('triages through ranged GETs in ~1-2 s instead of one GET per record header', async (ctx) => {
    if (!store) return ctx.skip();
    const size = statSync(flat!.path).size;
    const run = async (readAhead?: number) => {
      let requests = 0;
      let bytes = 0;
      const src = new RangedReadSource(
        size,
        async (o, l) => {
          requests++;
          const got = await collect(await store!.readRange(key, o, o + l - 1), l);
          bytes += got.length;
          return got;
        },
        key,
        undefined,
        readAhead === undefined ? {} : { readAhead },
      );
      const t0 = performance.now();
      const r = await triageVmcore(src);
      return { r, ms: performance.now() - t0, requests, bytes };
    };
    const before = await run(0);
    const after = await run();
    console.log(
      `flattened ${flat!.name} (${size} bytes) from RGW: read-ahead off ` +
        `${before.ms.toFixed(0)} ms / ${before.requests} GETs / ${before.bytes} bytes; ` +
        `on ${after.ms.toFixed(0)} ms / ${after.requests} GETs / ${after.bytes} bytes`,
    );
    for (const { r } of [before, after]) {
      expect(r.container).toBe('flattened');
      expect(r.oops?.culprit).toEqual(flat!.truth.oops.culprit);
    }
    expect(after.r.signature).toBe(before.r.signature);
    expect(before.requests).toBeGreaterThan(650);
    expect(after.requests).toBeLessThan(40);
    expect(after.bytes).toBeLessThan(size * 1.2); // the stream once, plus the pages triage reads
    expect(after.ms).toBeLessThan(before.ms / 4);
    expect(after.ms).toBeLessThan(6000); // ~1-2 s; generous for a loaded 2-core machine
  });

  it("is triaged quickly by the collector's S3 path", async (ctx) => {
    if (!s3) return ctx.skip();
    c = await startCollector({
      env: {
        ...collectorS3Env(s3),
        ANALYSIS_POLL_INTERVAL: '200ms',
      },
    });
    const id = await upload(c, flat!.path, flat!);
    const a = await waitForAnalysis(c, id);
    expect(a.culprit).toEqual(flat!.truth.oops.culprit);
    const r = (await getJson<TriageResult>(c, `/api/v1/dumps/${id}/results/triage.json`)).body;
    expect(r.container).toBe('flattened');
    const io = (
      await getJson<{
        objectSize: number;
        storeBytesRead: number;
        storeRequests: number;
        triageMs: number;
      }>(c, `/api/v1/dumps/${id}/results/triage-io.json`)
    ).body;
    console.log(
      `collector triage of ${flat!.name} from RGW: ${io.triageMs} ms, ${io.storeRequests} GETs, ` +
        `${io.storeBytesRead} of ${io.objectSize} bytes`,
    );
    expect(io.storeRequests).toBeLessThan(40);
    expect(io.triageMs).toBeLessThan(6000);
  });
});
