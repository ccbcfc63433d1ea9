/**
 * Issue 10: uploads are resumable across collector instances. One tus upload whose PATCHes
 * alternate between the two instances completes byte-exact; an instance SIGKILLed while it
 * receives a PATCH (through nginx), the tus client resumes through the other one.
 * Real PostgreSQL, Ceph RGW, two built collectors, nginx (deployment.ts).
 */
import { readFileSync } from 'node:fs';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, uploadHeaders, UPLOAD_TOKEN } from '../collector/harness.js';
import { metadataFor, sha256OfResponse, tusUpload } from '../collector/tus-client.js';
import { startDeployment, type Deployment } from './deployment.js';
import { makeDumpVariants, type DumpVariants } from './dump-variants.js';
import { nginxPrerequisites, startNginx, upstreamsOf } from './nginx.js';
import { startSlowLink } from './slow-link.js';

const tusHeaders = { ...uploadHeaders, 'Tus-Resumable': '1.0.0' };

function encodeMetadata(meta: Record<string, string>): string {
  return Object.entries(meta)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

/** Bytes a process has read (files and sockets): the instance receiving a PATCH reads fast. */
function readBytes(pid: number): number {
  const m = /^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

describe.runIf(nginxPrerequisites().ok)('tus uploads across collector instances', () => {
  let d: Deployment | null;
  let dumps: DumpVariants;

  beforeAll(async () => {
    dumps = await makeDumpVariants(3, { only: ['k61-null-deref', 'k612-null-deref'] });
    d = await startDeployment({ collectors: 2, workers: 0 });
  });

  afterAll(async () => {
    await d?.stop();
    dumps?.remove();
  });

  it('completes byte-exact when its PATCHes alternate between the two instances', async (ctx) => {
    if (!d) return ctx.skip();
    const v = dumps.variants[0]!;
    const [a, b] = d.collectors;
    const meta = metadataFor({ ...v.fixture, sha256: v.sha256 });
    const created = await fetch(`${a!.url}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        ...tusHeaders,
        'Upload-Length': String(v.size),
        'Upload-Metadata': encodeMetadata(meta),
      },
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toMatch(/^\/api\/v1\/uploads\/[0-9a-f]{32}$/); // relative: fine behind nginx

    // 3 MiB chunks: not a multiple of the 5 MiB S3 part, so instances hand over half parts too
    const bytes = readFileSync(v.path);
    const chunk = 3 * 1024 * 1024;
    let offset = 0;
    let dumpId: string | null = null;
    for (let i = 0; offset < v.size; i++) {
      const [to, other] = i % 2 === 0 ? [a!, b!] : [b!, a!];
      // the other instance sees the same offset: upload state is shared, not in one process
      const head = await fetch(`${other.url}${location}`, { method: 'HEAD', headers: tusHeaders });
      expect(head.status).toBe(200);
      expect(Number(head.headers.get('upload-offset'))).toBe(offset);
      const body = bytes.subarray(offset, Math.min(v.size, offset + chunk));
      const res = await fetch(`${to.url}${location}`, {
        method: 'PATCH',
        headers: {
          ...tusHeaders,
          'Upload-Offset': String(offset),
          'Content-Type': 'application/offset+octet-stream',
        },
        body,
      });
      expect(res.status, await res.clone().text()).toBe(204);
      offset += body.length;
      expect(Number(res.headers.get('upload-offset'))).toBe(offset);
      dumpId = res.headers.get('dump-id') ?? dumpId;
    }
    expect(dumpId).toMatch(/^[0-9a-f-]{36}$/);

    // a PATCH at a stale offset is refused by either instance
    const stale = await fetch(`${a!.url}${location}`, {
      method: 'PATCH',
      headers: {
        ...tusHeaders,
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      },
      body: bytes.subarray(0, 16),
    });
    expect([404, 409]).toContain(stale.status);

    const rec = await (
      await fetch(`${b!.url}/api/v1/dumps/${dumpId}`, { headers: adminHeaders })
    ).json();
    expect(rec).toMatchObject({ state: 'received', sha256: v.sha256, size: v.size });
    const file = await fetch(`${d.url}/api/v1/dumps/${dumpId}/file`, { headers: adminHeaders });
    expect(await sha256OfResponse(file)).toEqual({ sha256: v.sha256, size: v.size });
  });

  it('resumes through the other instance when the receiving one is SIGKILLed mid-PATCH', async (ctx) => {
    if (!d) return ctx.skip();
    const v = dumps.variants[1]!;
    // 4 MB/s from the "host": the ~16 MB PATCH takes ~4 s, streamed through nginx as it comes
    const link = await startSlowLink({ host: '127.0.0.1', port: d.nginx.port }, 4_000_000);
    let killed: { index: number; atSent: number } | null = null;
    const errors: string[] = [];
    const sentAtKill = Math.floor(v.size * 0.6);
    const out = await new Promise<{ dumpId: string | null }>((resolve, reject) => {
      let dumpId: string | null = null;
      let deciding = false;
      const upload = new tus.Upload(readFileSync(v.path), {
        endpoint: `${link.url}/api/v1/uploads`,
        headers: { Authorization: `Bearer ${UPLOAD_TOKEN}` },
        metadata: metadataFor({ ...v.fixture, sha256: v.sha256 }),
        chunkSize: 64 * 1024 * 1024, // one PATCH for the whole dump
        retryDelays: [200, 500, 1000, 2000, 4000],
        // what the agent retries (apps/agent/src/upload/tus-upload.ts)
        onShouldRetry: (err) => {
          errors.push(err.message.split('\n')[0]!);
          const status = err.originalResponse?.getStatus() ?? 0;
          return status === 0 || status >= 500 || status === 409 || status === 423;
        },
        onAfterResponse: (_req, res) => {
          dumpId = res.getHeader('Dump-Id') ?? dumpId;
        },
        onProgress: (sent) => {
          if (killed || deciding || sent < sentAtKill) return;
          deciding = true;
          // Which instance is receiving the body? The one whose reads grow by megabytes.
          const pids = d!.collectors.map((c) => c.running!.proc.pid!);
          const before = pids.map(readBytes);
          setTimeout(() => {
            const grown = pids.map((p, i) => readBytes(p) - before[i]!);
            const index = grown[0]! > grown[1]! ? 0 : 1;
            expect(grown[index]!).toBeGreaterThan(200_000);
            expect(grown[1 - index]!).toBeLessThan(grown[index]! / 4);
            killed = { index, atSent: sent };
            void d!.collectors[index]!.kill();
          }, 300);
        },
        onError: reject,
        onSuccess: () => resolve({ dumpId }),
      });
      upload.start();
    });
    await link.close();
    expect(killed).not.toBeNull();
    const dead = d.collectors[killed!.index]!.address;
    const alive = d.collectors[1 - killed!.index]!.address;

    // the client saw the PATCH fail and resumed; nginx log: that PATCH died on the killed
    // instance, the HEAD and the rest went to the other one
    expect(errors.length).toBeGreaterThan(0);
    const log = await d.nginx.settledAccessLog();
    const patches = log.filter((l) => /"PATCH \/api\/v1\/uploads\//.test(l));
    const broken = patches.find((l) => upstreamsOf(l).at(-1) === dead);
    expect(broken, log.join('\n')).toBeDefined();
    expect(broken).toMatch(/" (502|499|400) /);
    const last = patches.at(-1)!;
    expect(upstreamsOf(last).at(-1)).toBe(alive);
    expect(last).toMatch(/" 204 /);
    // resumed, not restarted: the parts the killed instance had stored in S3 were kept, so the
    // last PATCH carried less than the whole dump (request length = body + headers)
    const lastLength = Number(/" 204 (\d+) /.exec(last)![1]);
    expect(lastLength).toBeLessThan(v.size - 4 * 1024 * 1024);
    expect(log.some((l) => /"HEAD \/api\/v1\/uploads\//.test(l) && / 200 /.test(l))).toBe(true);

    expect(out.dumpId).toMatch(/^[0-9a-f-]{36}$/);
    const file = await fetch(`${d.url}/api/v1/dumps/${out.dumpId}/file`, { headers: adminHeaders });
    expect(await sha256OfResponse(file)).toEqual({ sha256: v.sha256, size: v.size });

    // the killed instance comes back on its port and nginx sends it requests again (once the
    // fail_timeout after its failure is over)
    await d.collectors[killed!.index]!.start();
    const deadline = Date.now() + 20_000;
    let back = false;
    while (!back && Date.now() < deadline) {
      expect((await fetch(`${d.url}/health/live`)).status).toBe(200);
      back = upstreamsOf(d.nginx.accessLog().at(-1)!).at(-1) === dead;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(back).toBe(true);
  });

  it('keeps one upload on one instance with the upload-affinity nginx variant', async (ctx) => {
    if (!d) return ctx.skip();
    const v = dumps.variants[2]!;
    const lb = (await startNginx({
      upstreams: d.collectors.map((c) => c.address),
      uploadAffinity: true,
    }))!;
    try {
      const out = await tusUpload(lb.url, v.path, metadataFor({ ...v.fixture, sha256: v.sha256 }), {
        chunkSize: 2 * 1024 * 1024,
      });
      expect(out.dumpState).toBe('received');
      const log = await lb.settledAccessLog();
      const patches = log.filter((l) => /"PATCH /.test(l));
      expect(patches.length).toBe(Math.ceil(v.size / (2 * 1024 * 1024)));
      expect(new Set(patches.map((l) => upstreamsOf(l).at(-1))).size).toBe(1);
      // the creation POST (no id in the path) still goes round robin, not redirected
      expect(log.filter((l) => /"POST \/api\/v1\/uploads HTTP/.test(l))[0]).toMatch(/" 201 /);
      const file = await fetch(`${lb.url}/api/v1/dumps/${out.dumpId}/file`, {
        headers: adminHeaders,
      });
      expect(await sha256OfResponse(file)).toEqual({ sha256: v.sha256, size: v.size });
    } finally {
      await lb.stop();
    }
  });
});
