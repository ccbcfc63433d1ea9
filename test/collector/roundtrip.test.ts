import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorS3Env, startS3, type S3Server } from '../s3/harness.js';
import { adminHeaders, removeDir, startCollector, type RunningCollector } from './harness.js';
import { fixtureDumps, metadataFor, sha256OfResponse, tusUpload } from './tus-client.js';

interface DumpJson {
  id: string;
  state: string;
  size: number;
  sha256: string;
  filename: string;
  storageKey: string | null;
  node: string;
  kernelRelease: string | null;
  capturedAt: string | null;
}

const dumps = fixtureDumps();

async function getJson<T>(c: RunningCollector, path: string): Promise<T> {
  const r = await fetch(`${c.url}${path}`, { headers: adminHeaders });
  expect(r.status, `${path}: ${r.status}`).toBe(200);
  return (await r.json()) as T;
}

/** Uploads every fixture dump, downloads each through /file and compares with truth.json. */
async function roundTripAll(c: RunningCollector): Promise<Map<string, DumpJson>> {
  const byName = new Map<string, DumpJson>();
  for (const d of dumps) {
    const out = await tusUpload(c.url, d.path, metadataFor(d), { chunkSize: 8 * 1024 * 1024 });
    expect(out.dumpState).toBe('received');
    expect(out.dumpId).toMatch(/^[0-9a-f-]{36}$/);
    const rec = await getJson<DumpJson>(c, `/api/v1/dumps/${out.dumpId}`);
    expect(rec).toMatchObject({
      state: 'received',
      size: d.size,
      sha256: d.sha256,
      filename: `${d.name}.vmcore`,
      node: 'node-a.example',
      kernelRelease: '6.1.0-test',
      storageKey: `dumps/${d.sha256}`,
    });
    const file = await fetch(`${c.url}/api/v1/dumps/${out.dumpId}/file`, { headers: adminHeaders });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-length')).toBe(String(d.size));
    expect(file.headers.get('accept-ranges')).toBe('bytes');
    expect(file.headers.get('content-disposition')).toContain(`filename="${d.name}.vmcore"`);
    const got = await sha256OfResponse(file);
    expect(got).toEqual({ sha256: d.sha256, size: d.size });
    byName.set(d.name, rec);
  }
  return byName;
}

async function rangeOf(c: RunningCollector, id: string, range: string): Promise<Response> {
  return fetch(`${c.url}/api/v1/dumps/${id}/file`, { headers: { ...adminHeaders, Range: range } });
}

async function checkRanges(
  c: RunningCollector,
  id: string,
  path: string,
  size: number,
): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const whole = readFileSync(path); // a fixture of ~20 MB: fine to compare slices in a test
  const cases: Array<[string, number, number]> = [
    ['bytes=0-0', 0, 0],
    ['bytes=0-4095', 0, 4095],
    ['bytes=4096-8191', 4096, 8191],
    [`bytes=${size - 100}-`, size - 100, size - 1],
    ['bytes=-512', size - 512, size - 1],
    [`bytes=1000000-${size + 5000}`, 1_000_000, size - 1],
  ];
  for (const [header, start, end] of cases) {
    const r = await rangeOf(c, id, header);
    expect(r.status, header).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
    expect(r.headers.get('content-length')).toBe(String(end - start + 1));
    const body = Buffer.from(await r.arrayBuffer());
    expect(body.equals(whole.subarray(start, end + 1)), header).toBe(true);
  }
  for (const header of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
    const r = await rangeOf(c, id, header);
    expect(r.status, header).toBe(416);
    expect(r.headers.get('content-range')).toBe(`bytes */${size}`);
    await r.arrayBuffer();
  }
}

describe('collector round trip, fs backend', () => {
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startCollector();
  });
  afterAll(async () => {
    await c?.stop();
    if (c) removeDir(c.dataDir);
  });

  it('stores every fixture dump and serves the exact bytes back', async () => {
    const recs = await roundTripAll(c);
    expect(recs.size).toBe(dumps.length);
    const list = await getJson<{ items: DumpJson[]; nextCursor: string | null }>(
      c,
      '/api/v1/dumps?limit=2',
    );
    expect(list.items).toHaveLength(2);
    // newest first: the last uploaded fixture leads
    expect(list.items[0]!.sha256).toBe(dumps[dumps.length - 1]!.sha256);
    const seen = new Set(list.items.map((i) => i.id));
    let cursor = list.nextCursor;
    while (cursor) {
      const page = await getJson<{ items: DumpJson[]; nextCursor: string | null }>(
        c,
        `/api/v1/dumps?limit=2&cursor=${cursor}`,
      );
      for (const i of page.items) seen.add(i.id);
      cursor = page.nextCursor;
    }
    expect(seen.size).toBe(dumps.length);
  });

  it('serves exact byte ranges, suffix and open-ended ones, and 416 outside the file', async () => {
    const d = dumps[0]!;
    const list = await getJson<{ items: DumpJson[] }>(c, `/api/v1/dumps?limit=500`);
    const rec = list.items.find((i) => i.sha256 === d.sha256)!;
    await checkRanges(c, rec.id, d.path, d.size);
  });

  it('keeps one object for identical bytes and deletes it with the last record', async () => {
    const d = dumps[1]!;
    const again = await tusUpload(c.url, d.path, metadataFor(d, { node: 'node-b.example' }));
    const second = await getJson<DumpJson>(c, `/api/v1/dumps/${again.dumpId}`);
    const list = await getJson<{ items: DumpJson[] }>(c, `/api/v1/dumps?limit=500`);
    const first = list.items.find((i) => i.sha256 === d.sha256 && i.id !== second.id)!;
    expect(second.storageKey).toBe(first.storageKey);
    const objectPath = `${c.dataDir}/objects/${first.storageKey}`;
    expect(statSync(objectPath).size).toBe(d.size);

    const byNode = await getJson<{ items: DumpJson[] }>(c, `/api/v1/dumps?node=node-b.example`);
    expect(byNode.items.map((i) => i.id)).toEqual([second.id]);

    let r = await fetch(`${c.url}/api/v1/dumps/${first.id}`, {
      method: 'DELETE',
      headers: adminHeaders,
    });
    expect(r.status).toBe(204);
    r = await fetch(`${c.url}/api/v1/dumps/${second.id}/file`, { headers: adminHeaders });
    expect((await sha256OfResponse(r)).sha256).toBe(d.sha256);
    r = await fetch(`${c.url}/api/v1/dumps/${second.id}`, {
      method: 'DELETE',
      headers: adminHeaders,
    });
    expect(r.status).toBe(204);
    expect(() => statSync(objectPath)).toThrow();
    r = await fetch(`${c.url}/api/v1/dumps/${second.id}`, { headers: adminHeaders });
    expect(r.status).toBe(404);
  });

  it('counts uploads and bytes in /metrics', async () => {
    const text = await (await fetch(`${c.url}/metrics`)).text();
    const value = (name: string) => {
      const m = new RegExp(`^${name} (\\d+(?:\\.\\d+)?(?:e\\+\\d+)?)$`, 'm').exec(text);
      return m ? Number(m[1]) : NaN;
    };
    const total = dumps.reduce((s, d) => s + d.size, 0) + dumps[1]!.size;
    expect(value('kdumpfleet_uploads_started_total')).toBe(dumps.length + 1);
    expect(value('kdumpfleet_upload_bytes_received_total')).toBe(total);
    expect(value('kdumpfleet_uploads_finished_total\\{state="received"\\}')).toBe(dumps.length + 1);
    // two records of fixture 1 were deleted above
    expect(value('kdumpfleet_dumps\\{state="received"\\}')).toBe(dumps.length - 1);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('answers health, and documents the API', async () => {
    const ready = await fetch(`${c.url}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; info: Record<string, unknown> };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.info)).toEqual(
      expect.arrayContaining(['database', 'storage(fs)', 'disk(DATA_DIR)', 'disk(TMPDIR)']),
    );
    const doc = (await (await fetch(`${c.url}/api/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/dumps',
        '/api/v1/dumps/{id}',
        '/api/v1/dumps/{id}/file',
        '/api/v1/uploads',
      ]),
    );
    expect((await fetch(`${c.url}/api/docs`)).status).toBe(200);
  });
});

describe('collector round trip, s3 backend (Ceph RGW)', () => {
  let s3: S3Server | null = null;
  let c: RunningCollector | undefined;
  beforeAll(async () => {
    s3 = await startS3({ bucket: 'kdf-collector-test' });
    if (!s3) {
      console.warn(
        'S3 tests skipped: startS3() could not start Ceph RGW (see the reason printed above)',
      );
      return;
    }
    c = await startCollector({
      env: {
        ...collectorS3Env(s3),
      },
    });
  });
  afterAll(async () => {
    await c?.stop();
    if (c) removeDir(c.dataDir);
    await s3?.stop();
  });

  it('stores every fixture dump in S3 and serves the exact bytes back', async (ctx) => {
    if (!c) return ctx.skip();
    const recs = await roundTripAll(c);
    const d = dumps[2]!;
    await checkRanges(c, recs.get(d.name)!.id, d.path, d.size);
  });

  it('reports not ready while the S3 gateway is down, ready again after', async (ctx) => {
    if (!c || !s3) return ctx.skip();
    expect((await fetch(`${c.url}/health/ready`)).status).toBe(200);
    await s3.stopGateway();
    try {
      const down = await fetch(`${c.url}/health/ready`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as { error: Record<string, { status: string }> };
      expect(body.error['storage(s3)']?.status).toBe('down');
      expect((await fetch(`${c.url}/health/live`)).status).toBe(200);
    } finally {
      await s3.startGateway();
    }
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await fetch(`${c.url}/health/ready`)).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe(200);
  });
});
