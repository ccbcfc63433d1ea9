import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  collectorMain,
  removeDir,
  startCollector,
  tempDataDir,
  uploadHeaders,
  type RunningCollector,
} from '../collector/harness.js';
import { postgresMissing, startPostgres, type PostgresCluster } from './harness.js';

// Two collector instances on one PostgreSQL database and one shared DATA_DIR (STORAGE=fs on a
// shared filesystem): a tus upload whose PATCHes move between them ends verified and byte-exact
// (the hash taken on arrival is per process; the finishing instance reads the stored bytes back),
// bad bytes sent through the other instance are caught, and a PATCH hanging on one instance is
// released when the client resumes through the other (tus locks across processes).

const missing = postgresMissing();
if (missing) console.warn(`test/pg two instances skipped — ${missing}`);
if (!existsSync(collectorMain)) console.warn('test/pg two instances skipped — run `npm run build`');

const MiB = 1024 * 1024;
const TUS = { 'Tus-Resumable': '1.0.0' };
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function create(c: RunningCollector, size: number, declaredSha: string): Promise<string> {
  const meta = [
    `filename ${b64('vmcore')}`,
    `node ${b64('web-01')}`,
    `sha256 ${b64(declaredSha)}`,
    `encoding ${b64('none')}`,
  ].join(',');
  const r = await fetch(`${c.url}/api/v1/uploads`, {
    method: 'POST',
    headers: { ...uploadHeaders, ...TUS, 'Upload-Length': String(size), 'Upload-Metadata': meta },
  });
  expect(r.status).toBe(201);
  return r.headers.get('location')!.split('/').pop()!;
}

async function patch(c: RunningCollector, id: string, offset: number, body: Buffer) {
  const r = await fetch(`${c.url}/api/v1/uploads/${id}`, {
    method: 'PATCH',
    headers: {
      ...uploadHeaders,
      ...TUS,
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
    },
    body,
  });
  return { status: r.status, text: await r.text(), dumpId: r.headers.get('dump-id') };
}

async function head(c: RunningCollector, id: string): Promise<number> {
  const r = await fetch(`${c.url}/api/v1/uploads/${id}`, {
    method: 'HEAD',
    headers: { ...uploadHeaders, ...TUS },
  });
  expect(r.status).toBe(200);
  return Number(r.headers.get('upload-offset'));
}

describe.skipIf(missing !== null || !existsSync(collectorMain))(
  'two collector instances on one PostgreSQL',
  () => {
    let cluster: PostgresCluster;
    let url: string;
    const dataDir = tempDataDir('two-instances');
    let a: RunningCollector;
    let b: RunningCollector;

    beforeAll(async () => {
      cluster = await startPostgres();
      url = await cluster.createDatabase('two_instances');
      const env = { DATABASE_URL: url, LOG_LEVEL: 'info' };
      // started together: migrations and the first admin must not trip over each other
      [a, b] = await Promise.all([
        startCollector({ dataDir, env }),
        startCollector({ dataDir, env }),
      ]);
    }, 120_000);
    afterAll(async () => {
      await a?.stop();
      await b?.stop();
      await cluster?.stop();
      removeDir(dataDir);
    });

    it('keeps nothing in DATA_DIR/collector.sqlite: the records are in PostgreSQL', async () => {
      expect(existsSync(join(dataDir, 'collector.sqlite'))).toBe(false);
      for (const c of [a, b]) expect((await fetch(`${c.url}/health/ready`)).status).toBe(200);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const names = await client.query<{ name: string }>('select name from kysely_migration');
      await client.end();
      expect(names.rows.map((r) => r.name)).toContain('0500-login-throttle');
    });

    it('PATCHes alternating between the instances end in one verified, byte-exact dump', async () => {
      const bytes = randomBytes(12 * MiB);
      const id = await create(a, bytes.length, sha256(bytes));
      // A sees [0,4), B [4,8), A [8,12): A's arrival hash is broken by B's PATCH in between,
      // so A must not trust it and reads the stored bytes back.
      expect((await patch(a, id, 0, bytes.subarray(0, 4 * MiB))).status).toBe(204);
      expect(await head(b, id)).toBe(4 * MiB);
      expect((await patch(b, id, 4 * MiB, bytes.subarray(4 * MiB, 8 * MiB))).status).toBe(204);
      const last = await patch(a, id, 8 * MiB, bytes.subarray(8 * MiB));
      expect(last.status).toBe(204);
      expect(last.dumpId).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.output()).toMatch(new RegExp(`"uploadId":"${id}".*"verifiedBy":"reread"`));
      const rec = (await (
        await fetch(`${b.url}/api/v1/dumps/${last.dumpId}`, { headers: adminHeaders })
      ).json()) as { state: string; sha256: string; size: number };
      expect(rec).toMatchObject({ state: 'received', sha256: sha256(bytes), size: bytes.length });
      const file = await fetch(`${b.url}/api/v1/dumps/${last.dumpId}/file`, {
        headers: adminHeaders,
      });
      expect(sha256(Buffer.from(await file.arrayBuffer()))).toBe(sha256(bytes));
    });

    it('bad bytes sent through the other instance are caught at the end (460, recorded corrupt)', async () => {
      const bytes = randomBytes(6 * MiB);
      const id = await create(a, bytes.length, sha256(bytes));
      expect((await patch(a, id, 0, bytes.subarray(0, 3 * MiB))).status).toBe(204);
      const bad = Buffer.from(bytes.subarray(3 * MiB));
      bad[1000] = bad[1000]! ^ 0xff;
      const last = await patch(b, id, 3 * MiB, bad);
      expect(last.status).toBe(460);
      expect(last.text).toMatch(/sha256 mismatch/);
    });

    it('a PATCH hanging on one instance is released when the client resumes through the other', async () => {
      const bytes = randomBytes(8 * MiB);
      const id = await create(a, bytes.length, sha256(bytes));
      // A PATCH on A that sends 2 MiB of its 8 and then stalls (a half-dead link).
      const ended = new Promise<string>((resolve) => {
        const req = request(`${a.url}/api/v1/uploads/${id}`, {
          method: 'PATCH',
          headers: {
            ...uploadHeaders,
            ...TUS,
            'Upload-Offset': '0',
            'Content-Type': 'application/offset+octet-stream',
            'Content-Length': String(bytes.length),
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(`response ${res.statusCode}`);
        });
        req.on('error', (err) => resolve(`error ${err.message}`));
        req.on('close', () => resolve('closed'));
        req.write(bytes.subarray(0, 2 * MiB));
      });
      await new Promise((r) => setTimeout(r, 1000));
      // The client gives up on it and asks B where the upload stands: B must wait for A's lock,
      // which makes A end its request (tus requestRelease, across processes).
      const t0 = Date.now();
      const offset = await head(b, id);
      const outcome = await Promise.race([
        ended,
        new Promise<string>((r) => setTimeout(() => r('still hanging'), 15_000)),
      ]);
      expect(outcome).not.toBe('still hanging');
      expect(Date.now() - t0).toBeGreaterThan(500); // B waited for the lock
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThanOrEqual(2 * MiB);
      // Resume through B from what is stored: the dump ends byte-exact.
      const last = await patch(b, id, offset, bytes.subarray(offset));
      expect(last.status).toBe(204);
      const rec = (await (
        await fetch(`${a.url}/api/v1/dumps/${last.dumpId}`, { headers: adminHeaders })
      ).json()) as { state: string; sha256: string };
      expect(rec).toMatchObject({ state: 'received', sha256: sha256(bytes) });
    });
  },
);
