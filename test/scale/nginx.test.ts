/**
 * nginx (Debian) as configured by nginx-conf.ts in front of the real collector: tus uploads and
 * dump downloads pass through it byte-exact and unbuffered, the relative tus Location works
 * through it, and an instance that is down (nothing listening) is skipped for every method,
 * POST and PATCH included, because the request never reached it.
 *
 * One collector (fs + SQLite) plus one dead address: a valid topology. Several live instances
 * need the shared database and object store: see deployment.test.ts.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  freePort,
  removeDir,
  startCollector,
  uploadHeaders,
  type RunningCollector,
} from '../collector/harness.js';
import { fixtureDumps, metadataFor, sha256OfResponse, tusUpload } from '../collector/tus-client.js';
import { nginxPrerequisites, nginxUnavailable, startNginx, upstreamsOf } from './nginx.js';
import type { RunningNginx } from './nginx.js';

const pre = nginxPrerequisites();
if (!pre.ok) nginxUnavailable(pre.reason ?? '');

describe.runIf(pre.ok)('nginx in front of the collector', () => {
  let collector: RunningCollector;
  let lb: RunningNginx;
  let dead: string;

  beforeAll(async () => {
    collector = await startCollector();
    dead = `127.0.0.1:${await freePort()}`; // nothing listens there
    lb = (await startNginx({ upstreams: [dead, `127.0.0.1:${collector.port}`] }))!;
  });

  afterAll(async () => {
    await lb?.stop();
    await collector?.stop();
    if (collector) removeDir(collector.dataDir);
  });

  it('carries a chunked tus upload and its download byte-exact, skipping the dead instance', async () => {
    const dump = fixtureDumps()[0]!;
    const locations: string[] = [];
    const out = await tusUpload(lb.url, dump.path, metadataFor(dump), {
      chunkSize: 4 * 1024 * 1024,
      onUploadUrl: (u) => locations.push(u),
    });
    expect(out.dumpState).toBe('received');
    // relativeLocation: the client resolved /api/v1/uploads/<id> against nginx's address
    expect(out.uploadUrl.startsWith(`${lb.url}/api/v1/uploads/`)).toBe(true);

    const res = await fetch(`${lb.url}/api/v1/dumps/${out.dumpId}/file`, { headers: adminHeaders });
    expect(res.status).toBe(200);
    expect(await sha256OfResponse(res)).toEqual({ sha256: dump.sha256, size: dump.size });

    const ranged = await fetch(`${lb.url}/api/v1/dumps/${out.dumpId}/file`, {
      headers: { ...adminHeaders, Range: 'bytes=0-7' },
    });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).length).toBe(8);

    const log = await lb.settledAccessLog();
    const tusLines = log.filter((l) => l.includes('/api/v1/uploads'));
    // POST + ceil(size / 4 MiB) PATCHes, none answered 502: the dead address was passed over
    expect(tusLines.length).toBe(1 + Math.ceil(dump.size / (4 * 1024 * 1024)));
    for (const l of tusLines) expect(l).not.toMatch(/" 502 /);
    const triedDead = log.filter((l) => upstreamsOf(l)[0] === dead);
    expect(triedDead.length).toBeGreaterThan(0);
    for (const l of triedDead)
      expect(upstreamsOf(l)).toEqual([dead, `127.0.0.1:${collector.port}`]);
    // the first request after start was a POST: refused by the dead address, nginx passed it on
    expect(triedDead[0]).toMatch(/"POST \/api\/v1\/uploads /);
    // request and response bodies streamed: nginx spooled nothing to its temp paths
    expect(readdirSync(join(lb.dir, 'tmp', 'body'))).toEqual([]);
  });

  it('passes Host with its port, so the session endpoints see the address the browser used', async () => {
    // CSRF's Origin check compares against Host: a port-less Host would refuse every login.
    const res = await fetch(`${lb.url}/api/v1/session/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: lb.url },
      body: JSON.stringify({ username: 'nobody', password: 'wrong-password' }),
    });
    expect([401, 429]).toContain(res.status);
    const cross = await fetch(`${lb.url}/api/v1/session/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
      body: JSON.stringify({ username: 'nobody', password: 'wrong-password' }),
    });
    expect(cross.status).toBe(403);
  });

  it('answers the tus discovery and an unknown upload like the collector itself', async () => {
    const opts = await fetch(`${lb.url}/api/v1/uploads`, { method: 'OPTIONS' });
    expect(opts.headers.get('tus-version')).toContain('1.0.0');
    const head = await fetch(`${lb.url}/api/v1/uploads/${'0'.repeat(32)}`, {
      method: 'HEAD',
      headers: { ...uploadHeaders, 'Tus-Resumable': '1.0.0' },
    });
    expect(head.status).toBe(404);
  });
});
