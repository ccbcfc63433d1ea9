/**
 * The ObjectStore contract against a real S3 server (Ceph RGW from ./harness.ts), then the
 * health path: ping fails while radosgw is down and recovers when it is back.
 */
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore, StoreUnavailableError } from '@kdumpfleet/storage';
import { describeObjectStoreContract } from '../../libs/storage/src/object-store.contract.js';
import { s3Prerequisites, startS3, type S3Server } from './harness.js';

const pre = s3Prerequisites();
if (!pre.ok && process.env.CI === 'true')
  throw new Error(`CI=true but the S3 server cannot run: ${pre.reason}`);
if (!pre.ok)
  console.warn(
    `skipping S3 storage tests: ${pre.reason}; install: apt-get install --no-install-recommends ceph-mon ceph-osd radosgw`,
  );

let server: S3Server | null = null;
let store: S3ObjectStore | undefined;

const open = (s: S3Server, extra: Partial<ConstructorParameters<typeof S3ObjectStore>[0]> = {}) =>
  new S3ObjectStore({
    endpoint: s.endpoint,
    accessKey: s.accessKey,
    secretKey: s.secretKey,
    region: s.region,
    bucket: s.bucket,
    partSize: 8 * 1024 * 1024, // small parts: the 64 MiB write is a real multipart upload
    pingTimeoutMs: 3000,
    ...extra,
  });

describe.runIf(pre.ok)('S3ObjectStore on Ceph RGW', () => {
  beforeAll(async () => {
    const t0 = performance.now();
    server = await startS3({ bucket: 'kdf-storage-test' });
    if (!server) throw new Error('startS3 returned null although prerequisites were met');
    console.log(
      `RGW ready in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
        `(packages ${server.timings.packages} ms, mon ${server.timings.mon} ms, osd ${server.timings.osd} ms, ` +
        `rgw ${server.timings.rgw} ms, user+bucket ${server.timings.user} ms) at ${server.endpoint}`,
    );
    store = open(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  describeObjectStoreContract('s3', () => store!, {
    // two 8 MiB parts in memory plus the HTTP client's buffers; a buffering writer would need > 64 MiB
    maxRssGrowth: 48 * 1024 * 1024,
    presign: true,
    report: (line) => console.log(line),
  });

  it('aborts the multipart upload of a failed write: no parts left behind', async () => {
    const s = server!;
    const { Readable } = await import('node:stream');
    const { randomBytes } = await import('node:crypto');
    const failing = Readable.from(
      (async function* () {
        for (let i = 0; i < 5; i++) yield randomBytes(4 << 20); // 20 MiB: parts 1 and 2 uploaded
        throw new Error('agent disconnected');
      })(),
    );
    await expect(store!.write('aborted/upload', failing)).rejects.toThrow('agent disconnected');
    const client = new Client({
      endPoint: s.host,
      port: s.port,
      useSSL: false,
      accessKey: s.accessKey,
      secretKey: s.secretKey,
      region: s.region,
      pathStyle: true,
    });
    const incomplete: unknown[] = [];
    for await (const u of client.listIncompleteUploads(s.bucket, 'aborted/', true))
      incomplete.push(u);
    expect(incomplete).toEqual([]);
    expect(await store!.stat('aborted/upload')).toBeNull();
  });

  it('creates a missing bucket when asked to, and ping reports a missing one', async () => {
    const s = server!;
    const missing = open(s, { bucket: 'kdf-not-there' });
    await expect(missing.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    const creating = open(s, { bucket: 'kdf-created-on-write', createBucket: true });
    const { Readable } = await import('node:stream');
    await creating.write('x', Readable.from([Buffer.from('hello')]));
    await expect(creating.ping()).resolves.toBeUndefined();
  });

  it('ping fails while radosgw is down and recovers when it returns, data intact', async () => {
    const s = server!;
    const { Readable } = await import('node:stream');
    await store!.write('health/probe', Readable.from([Buffer.from('still here')]));
    let t = performance.now();
    await s.stopGateway();
    const stopMs = performance.now() - t;
    const err = await store!.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).kind).toBe('s3');
    t = performance.now();
    await s.startGateway();
    const startMs = performance.now() - t;
    await expect(store!.ping()).resolves.toBeUndefined();
    const chunks: Buffer[] = [];
    for await (const c of await store!.readRange('health/probe')) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('still here');
    console.log(`radosgw stop ${stopMs.toFixed(0)} ms, start ${startMs.toFixed(0)} ms`);
  });
});
