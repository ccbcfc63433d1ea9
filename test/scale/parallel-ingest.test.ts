/**
 * Issue 10: 50 uploads in parallel through nginx to two collector instances end as 50 records
 * and 50 objects in S3, each verified; every triage job is done exactly once across two
 * `collector worker` processes although one of them is SIGKILLed in the middle of a job.
 * The jobs are checked in PostgreSQL itself (analysis_jobs), not through the API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as MinioClient } from 'minio';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, fixturesDir } from '../collector/harness.js';
import { metadataFor, sha256OfResponse, tusUpload } from '../collector/tus-client.js';
import { startDeployment, type Deployment } from './deployment.js';
import { makeDumpVariants, type DumpVariant, type DumpVariants } from './dump-variants.js';
import { nginxPrerequisites, upstreamsOf } from './nginx.js';

const UPLOADS = 50;
/**
 * Left out: triage of the flattened fixture from S3 makes ~700 small ranged GETs, ~45 ms each
 * against RGW here, so ~31 s per dump (0.3 s from fs) — a known cost of the flattened format's
 * index pass over ranged reads, not what this test is about.
 */
const SLOW_ON_S3 = ['k61-panic-flattened'];
const LEASE_MS = 4_000;

interface JobRow {
  id: string;
  dump_id: string;
  step: string;
  state: string;
  attempts: number;
  lease_owner: string | null;
  last_error: string | null;
}

function expectedKind(v: DumpVariant): string {
  const truth = JSON.parse(
    readFileSync(join(fixturesDir, 'vmcores', v.fixture.name, 'truth.json'), 'utf8'),
  ) as { oops: { kind: string } };
  return truth.oops.kind;
}

/** Runs `fn` on every item with at most `limit` at once. */
async function inParallel<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(nginxPrerequisites().ok)('50 parallel uploads, two collectors, two workers', () => {
  let d: Deployment | null;
  let dumps: DumpVariants;
  let db: pg.Client;

  beforeAll(async () => {
    dumps = await makeDumpVariants(UPLOADS, { except: SLOW_ON_S3 });
    d = await startDeployment({
      collectors: 2,
      workers: 2,
      env: {
        ANALYSIS_DEEP: 'off', // triage and buckets; crash(8) has its own tests (test/analysis)
        ANALYSIS_LEASE: `${LEASE_MS}ms`,
        ANALYSIS_POLL_INTERVAL: '250ms',
        ANALYSIS_BACKOFF: '1s',
      },
    });
    if (d) {
      db = new pg.Client({ connectionString: d.databaseUrl });
      await db.connect();
    }
  });

  afterAll(async () => {
    await db?.end();
    await d?.stop();
    dumps?.remove();
  });

  it('ingests, verifies and triages each dump once, a worker SIGKILLed mid-job', async (ctx) => {
    if (!d) return ctx.skip();
    const [w1, w2] = d.workers;
    const owners = new Map<string, Set<string>>(); // job id → lease owners seen while running
    let killedJob: JobRow | null = null;
    let stopWatching = false;

    // Watch the queue: remember who runs what, and SIGKILL worker 1 in the middle of a job of
    // its own once the run is well under way (≥ 10 triage jobs done).
    const watcher = (async () => {
      while (!stopWatching) {
        const { rows } = await db.query<JobRow>(
          `select id, dump_id, step, state, attempts, lease_owner, last_error from analysis_jobs`,
        );
        for (const r of rows.filter((r) => r.state === 'running' && r.lease_owner)) {
          if (!owners.has(r.id)) owners.set(r.id, new Set());
          owners.get(r.id)!.add(r.lease_owner!);
        }
        const done = rows.filter((r) => r.state === 'done').length;
        const mine = rows.find(
          (r) => r.state === 'running' && r.lease_owner?.split(':')[1] === String(w1!.pid),
        );
        if (!killedJob && done >= 10 && mine) {
          await w1!.kill();
          killedJob = mine;
        }
        await sleep(killedJob ? 200 : 20);
      }
    })();

    const t0 = performance.now();
    const results = await inParallel(dumps.variants, UPLOADS, async (v) => {
      const out = await tusUpload(d!.url, v.path, metadataFor({ ...v.fixture, sha256: v.sha256 }), {
        chunkSize: 16 * 1024 * 1024, // the agent's default
      });
      return { v, dumpId: out.dumpId!, state: out.dumpState };
    });
    const uploadSeconds = (performance.now() - t0) / 1000;

    // all 50 accepted, spread over both instances by nginx
    expect(results.map((r) => r.state)).toEqual(Array(UPLOADS).fill('received'));
    const served = new Set(
      (await d.nginx.settledAccessLog())
        .filter((l) => /"PATCH /.test(l))
        .map((l) => upstreamsOf(l).at(-1)),
    );
    expect(served).toEqual(new Set(d.collectors.map((c) => c.address)));

    // 50 records, each as uploaded
    const list = (await (
      await fetch(`${d.url}/api/v1/dumps?limit=100`, { headers: adminHeaders })
    ).json()) as { items: { id: string; state: string; sha256: string; size: number }[] };
    expect(list.items).toHaveLength(UPLOADS);
    for (const r of results) {
      const rec = list.items.find((i) => i.id === r.dumpId);
      expect(rec).toMatchObject({ state: 'received', sha256: r.v.sha256, size: r.v.size });
    }

    // 50 objects in S3 under dumps/<sha256>, each read back byte-exact through nginx
    const s3 = d.s3;
    const minio = new MinioClient({
      endPoint: '127.0.0.1',
      port: s3.port,
      useSSL: false,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey,
      region: s3.region,
      pathStyle: true,
    });
    const keys: { name: string; size: number }[] = [];
    for await (const o of minio.listObjectsV2(s3.bucket, 'dumps/', true))
      keys.push({ name: o.name!, size: o.size });
    expect(keys.map((k) => k.name).sort()).toEqual(
      results.map((r) => `dumps/${r.v.sha256}`).sort(),
    );
    await inParallel(results, 4, async (r) => {
      const res = await fetch(`${d!.url}/api/v1/dumps/${r.dumpId}/file`, {
        headers: adminHeaders,
      });
      expect(await sha256OfResponse(res)).toEqual({ sha256: r.v.sha256, size: r.v.size });
    });

    // wait for every triage job to finish (the killed worker's job after its lease lapses)
    const deadline = Date.now() + 150_000;
    let rows: JobRow[] = [];
    while (Date.now() < deadline) {
      rows = (
        await db.query<JobRow>(
          `select id, dump_id, step, state, attempts, lease_owner, last_error from analysis_jobs`,
        )
      ).rows;
      if (rows.length >= UPLOADS && rows.every((r) => r.state === 'done' || r.state === 'failed'))
        break;
      await sleep(500);
    }
    stopWatching = true;
    await watcher;
    const jobsSeconds = (performance.now() - t0) / 1000;

    // the kill landed mid-job
    expect(killedJob, 'worker 1 was never seen running a job after 10 were done').not.toBeNull();
    const killed = killedJob as JobRow | null;

    // exactly one triage job per dump, all done, none left running or queued
    const triage = rows.filter((r) => r.step === 'triage');
    expect(triage).toHaveLength(UPLOADS);
    expect(new Set(triage.map((r) => r.dump_id))).toEqual(new Set(results.map((r) => r.dumpId)));
    expect(
      triage.filter((r) => r.state !== 'done'),
      JSON.stringify(triage),
    ).toEqual([]);
    expect(rows.filter((r) => r.step !== 'triage')).toEqual([]); // ANALYSIS_DEEP=off
    // one attempt each, except the job whose worker died under it: taken again after its lease
    const retaken = triage.find((r) => r.id === killed!.id)!;
    expect(retaken.attempts).toBe(2);
    expect(triage.filter((r) => r.id !== killed!.id).map((r) => r.attempts)).toEqual(
      Array(UPLOADS - 1).fill(1),
    );
    const killedOwners = [...owners.get(killed!.id)!];
    expect(killedOwners.some((o) => o.split(':')[1] === String(w1!.pid))).toBe(true);
    expect(killedOwners.some((o) => o.split(':')[1] === String(w2!.pid))).toBe(true);

    // the work was shared: each worker triaged dumps (its own log says which)
    const triagedBy = (w: typeof w1) =>
      w!
        .logLines()
        .filter((l) => l.msg === 'dump triaged')
        .map((l) => String(l.dumpId));
    const by1 = triagedBy(w1);
    const by2 = triagedBy(w2);
    expect(by1.length).toBeGreaterThan(0);
    expect(by2.length).toBeGreaterThan(0);
    // no dump triaged twice, except (at most) the one whose worker was killed after triaging
    // it but before recording the job done
    const twice = by1.filter((id) => by2.includes(id));
    expect(twice.filter((id) => id !== killed!.dump_id)).toEqual([]);
    expect(new Set([...by1, ...by2])).toEqual(new Set(results.map((r) => r.dumpId)));

    // results: one analysis row per dump, triaged with the fixture's kind, one triage.json each
    const analysis = (
      await db.query<{ dump_id: string; state: string; kind: string | null; bucket_id: string }>(
        `select dump_id, state, kind, bucket_id from dump_analysis`,
      )
    ).rows;
    expect(analysis).toHaveLength(UPLOADS);
    for (const r of results) {
      const a = analysis.find((x) => x.dump_id === r.dumpId);
      expect(a, r.v.name).toMatchObject({ state: 'triaged', kind: expectedKind(r.v) });
    }
    const resultRows = (
      await db.query<{ dump_id: string; n: string }>(
        `select dump_id, count(*) as n from analysis_results where name = 'triage.json' group by dump_id`,
      )
    ).rows;
    expect(resultRows).toHaveLength(UPLOADS);
    expect(resultRows.every((r) => Number(r.n) === 1)).toBe(true);
    const buckets = (await (
      await fetch(`${d.url}/api/v1/buckets`, { headers: adminHeaders })
    ).json()) as { items: { count: number }[] };
    const counted = buckets.items.reduce((n, b) => n + b.count, 0);
    expect(counted).toBe(UPLOADS);

    console.info(
      `scale: ${UPLOADS} uploads (${(dumps.variants.reduce((n, v) => n + v.size, 0) / 1e6).toFixed(0)} MB) ` +
        `in ${uploadSeconds.toFixed(1)} s; all triaged after ${jobsSeconds.toFixed(1)} s; ` +
        `worker 1 triaged ${by1.length} (killed), worker 2 ${by2.length}`,
    );
  });
});
