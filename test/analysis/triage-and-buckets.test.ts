// Every fixture dump uploaded to a real collector: triage fields equal truth.json, dmesg equals
// the fixture's, triage.json is a valid result, buckets group by signature; plus seekable zstd
// read in place, a truncated dump, and re-analysis on demand.
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { triageResultSchema, type TriageResult } from '@kdumpfleet/contracts';
import { triageKernelLog } from '@kdumpfleet/triage';
import { createSeekableCompressor } from '@kdumpfleet/szstd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  collectorMain,
  removeDir,
  startCollector,
  tempDataDir,
  type RunningCollector,
} from '../collector/harness.js';
import { sha256OfFile } from '../collector/tus-client.js';
import {
  bucket,
  buckets,
  fixtures,
  getJson,
  getText,
  upload,
  waitFor,
  waitForAnalysis,
  type Fixture,
} from './analysis-harness.js';

const all = existsSync(collectorMain) ? fixtures() : [];
if (!existsSync(collectorMain)) console.warn(`${collectorMain} missing: run npm run build first`);

describe('triage of uploaded dumps, buckets', () => {
  let c: RunningCollector;
  const scratch = tempDataDir('analysis-scratch');
  const ids = new Map<string, string>();

  beforeAll(async () => {
    // no debuginfo configured: deep analysis ends in no-debuginfo, which is itself asserted
    c = await startCollector({
      env: { ANALYSIS_CONCURRENCY: '2', ANALYSIS_POLL_INTERVAL: '200ms' },
    });
    for (const f of all) ids.set(f.name, await upload(c, f.path, f, { node: `node-${f.name}` }));
  });
  afterAll(async () => {
    await c?.stop();
    if (c) removeDir(c.dataDir);
    removeDir(scratch);
  });

  it('has the five fixture dumps', () => {
    expect(all.length).toBeGreaterThanOrEqual(5);
  });

  for (const f of all) {
    it(`${f.name}: triage fields and results match truth.json`, async () => {
      const id = ids.get(f.name)!;
      const a = await waitForAnalysis(c, id);
      const t = f.truth;
      expect(a.state).toBe('no-debuginfo');
      expect(a.reason).toMatch(
        /^no debuginfo for build-id [0-9a-f]+ \/ release \S+ in no configured source \(set DEBUGINFO_DIRS or DEBUGINFOD_URLS\)$/,
      );
      expect(a.kernelRelease).toBe(t.kernel.release);
      expect(a.buildId).toBe(t.kernel.buildId);
      expect(a.crashTime).toBe(t.crashTime);
      expect(a.kind).toBe(t.oops.kind);
      expect(a.culprit).toEqual(t.oops.culprit);
      expect(a.title).toContain(t.oops.culprit.symbol);
      expect(a.signature).toMatch(/^[0-9a-f]{8,}$/);
      expect(a.bucketId).not.toBeNull();
      expect(a.triage.ms).toBeGreaterThan(0);
      expect(a.triage.attempts).toBe(1);
      expect(a.analysis.finishedAt).not.toBeNull();

      const names = a.results.map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['triage.json', 'dmesg.txt']));
      const triage = await getJson<TriageResult>(c, `/api/v1/dumps/${id}/results/triage.json`);
      expect(triage.status).toBe(200);
      const r = triageResultSchema.parse(triage.body);
      expect(r.container).toBe(t.container);
      expect(r.format).toBe(t.format);
      expect(r.compression).toBe(t.compression);
      expect(r.incomplete).toBe(t.incomplete);
      expect(r.kernel).toEqual(t.kernel);
      expect(r.panic.message).toBe(t.panic.message);
      expect(r.oops?.ripSymbol).toBe(t.oops.ripSymbol);
      const dmesg = await getText(c, `/api/v1/dumps/${id}/results/dmesg.txt`);
      expect(dmesg.text).toBe(readFileSync(join(f.dir, 'dmesg.txt'), 'latin1'));
      // the signature is the log's (libs/oops) signature, not something the collector invents
      expect(a.signature).toBe(triageKernelLog(dmesg.text).signature);
    });
  }

  it('buckets follow the signature rules: one bucket per signature, counts and members', async () => {
    const analyses = await Promise.all(all.map((f) => waitForAnalysis(c, ids.get(f.name)!)));
    const bySig = new Map<string, Fixture[]>();
    all.forEach((f, i) =>
      bySig.set(analyses[i]!.signature!, [...(bySig.get(analyses[i]!.signature!) ?? []), f]),
    );
    const list = await buckets(c);
    expect(list).toHaveLength(bySig.size);
    for (const [sig, members] of bySig) {
      const b = list.find((x) => x.signature === sig)!;
      expect(b.count).toBe(members.length);
      expect(b.nodes).toEqual(members.map((m) => `node-${m.name}`).sort());
      expect(b.kernelReleases).toEqual(
        [...new Set(members.map((m) => m.truth.kernel.release))].sort(),
      );
      const times = members.map((m) => m.truth.crashTime!).sort();
      expect(b.firstSeen).toBe(times[0]);
      expect(b.lastSeen).toBe(times[times.length - 1]);
      const detail = await bucket(c, b.id);
      expect(detail.dumps.map((d) => d.id).sort()).toEqual(
        members.map((m) => ids.get(m.name)!).sort(),
      );
    }
    // libs/oops signs kind + culprit + top reliable frames, without addresses or kernel version:
    // the NULL-pointer write in crashlab_null_write on 6.1 and on 6.12 is one bug → one bucket
    const k61 = all.find((f) => f.name === 'k61-null-deref');
    const k612 = all.find((f) => f.name === 'k612-null-deref');
    if (k61 && k612) {
      const b = list.find((x) => x.kind === 'null-deref')!;
      expect(b.count).toBe(2);
      expect(b.kernelReleases).toEqual(
        [k61.truth.kernel.release, k612.truth.kernel.release].sort(),
      );
      expect(b.title).toBe('BUG: kernel NULL pointer dereference in crashlab_null_write');
    }
    // different kinds never share a bucket
    const kinds = list.map((b) => b.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  it('a seekable zstd upload is triaged in place with the same fields', async () => {
    const f = all.find((x) => x.truth.container === 'none')!;
    const szst = join(scratch, `${f.name}.zst`);
    await pipeline(
      createReadStream(f.path),
      createSeekableCompressor({ frameSize: 1 << 20 }),
      createWriteStream(szst),
    );
    const id = await upload(
      c,
      szst,
      { name: `${f.name}-seekable`, sha256: await sha256OfFile(szst) },
      { encoding: 'zstd' },
    );
    const a = await waitForAnalysis(c, id);
    expect(a.kernelRelease).toBe(f.truth.kernel.release);
    expect(a.culprit).toEqual(f.truth.oops.culprit);
    const r = (await getJson<TriageResult>(c, `/api/v1/dumps/${id}/results/triage.json`)).body;
    expect(r.container).toBe('zstd-seekable');
    expect(r.format).toBe(f.truth.format);
    const same = await getJson<DumpAnalysisLike>(c, `/api/v1/dumps/${ids.get(f.name)}/analysis`);
    expect(a.bucketId).toBe(same.body.bucketId);
  });

  it('a truncated dump ends triage-failed with its reason, without endless retries', async () => {
    const f = all.find(
      (x) => x.truth.format === 'kdump-compressed' && x.truth.container === 'none',
    )!;
    const cut = join(scratch, 'cut.vmcore');
    writeFileSync(cut, readFileSync(f.path).subarray(0, 1_000_000));
    const sha = createHash('sha256').update(readFileSync(cut)).digest('hex');
    const id = await upload(c, cut, { name: 'cut', sha256: sha });
    const a = await waitForAnalysis(c, id);
    expect(a.state).toBe('triage-failed');
    expect(a.reason).toMatch(/kernel log not readable/);
    expect(a.triage.attempts).toBe(1);
    // what could be read stays: the header's kernel release
    expect(a.kernelRelease).toBe(f.truth.kernel.release);

    const garbage = join(scratch, 'garbage.vmcore');
    writeFileSync(garbage, Buffer.alloc(200_000, 0x5a));
    const gid = await upload(c, garbage, { name: 'garbage', sha256: await sha256OfFile(garbage) });
    const g = await waitForAnalysis(c, gid);
    expect(g.state).toBe('triage-failed');
    expect(g.reason).toMatch(/^cannot read the dump: /);
    expect(g.triage.attempts).toBe(1);
  });

  it('POST /analyze re-runs a dump; wrong token and unknown ids are refused', async () => {
    const f = all[0]!;
    const id = ids.get(f.name)!;
    const before = await waitForAnalysis(c, id);
    const res = await fetch(`${c.url}/api/v1/dumps/${id}/analyze`, {
      method: 'POST',
      headers: adminHeaders,
    });
    expect(res.status).toBe(202);
    const after = await waitForAnalysis(
      c,
      id,
      (a) => a.updatedAt > before.updatedAt && ['no-debuginfo', 'analyzed'].includes(a.state),
    );
    expect(after.signature).toBe(before.signature);
    expect((await buckets(c)).find((b) => b.id === after.bucketId)!.count).toBe(
      (await bucket(c, after.bucketId!)).dumps.length,
    );
    expect((await fetch(`${c.url}/api/v1/dumps/${id}/analyze`, { method: 'POST' })).status).toBe(
      401,
    );
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      (await fetch(`${c.url}/api/v1/dumps/${unknown}/analysis`, { headers: adminHeaders })).status,
    ).toBe(404);
    expect(
      (await fetch(`${c.url}/api/v1/dumps/${id}/results/..%2Fetc`, { headers: adminHeaders }))
        .status,
    ).toBe(400);
    expect(
      (await fetch(`${c.url}/api/v1/dumps/${id}/results/nothing.txt`, { headers: adminHeaders }))
        .status,
    ).toBe(404);
    expect(
      (await fetch(`${c.url}/api/v1/buckets/not-a-uuid`, { headers: adminHeaders })).status,
    ).toBe(400);
  });

  it('/metrics counts dumps by analysis state and jobs by step', async () => {
    const m = await (await fetch(`${c.url}/metrics`)).text();
    expect(m).toMatch(/kdumpfleet_analysis_dumps\{state="no-debuginfo"\} [1-9]/);
    expect(m).toMatch(/kdumpfleet_analysis_dumps\{state="triage-failed"\} [1-9]/);
    expect(m).toMatch(/kdumpfleet_analysis_jobs\{step="triage",state="done"\} [1-9]/);
    expect(m).toMatch(/kdumpfleet_buckets [1-9]/);
  });

  it('deleting a dump removes its analysis and takes it out of its bucket', async () => {
    const f = all.find((x) => x.name === 'k612-null-deref') ?? all[all.length - 1]!;
    const id = ids.get(f.name)!;
    const a = await waitForAnalysis(c, id);
    const before = (await bucket(c, a.bucketId!)).dumps.length;
    const del = await fetch(`${c.url}/api/v1/dumps/${id}`, {
      method: 'DELETE',
      headers: adminHeaders,
    });
    expect(del.status).toBe(204);
    await waitFor(
      'the sweep to drop the analysis',
      async () => {
        const detail = await getJson<{ dumps?: unknown[] }>(c, `/api/v1/buckets/${a.bucketId}`);
        return detail.status === 404 || (detail.body.dumps?.length ?? 0) === before - 1;
      },
      10_000,
    );
    const gone = await fetch(`${c.url}/api/v1/dumps/${id}/analysis`, { headers: adminHeaders });
    expect(gone.status).toBe(404);
  });
});

interface DumpAnalysisLike {
  bucketId: string | null;
}

describe('enqueue on upload', () => {
  it('a verified upload is queued by the ingest hook at once, not by the periodic sweep', async () => {
    const f = all[0];
    if (!f) return expect.fail('no fixtures');
    // with an hour between polls and sweeps, only the hook (and its wake-up) can start triage
    const c = await startCollector({
      env: { ANALYSIS_POLL_INTERVAL: '1h', ANALYSIS_DEEP: 'off' },
    });
    try {
      await new Promise((r) => setTimeout(r, 500)); // let the start-up sweep and poll pass
      const id = await upload(c, f.path, f);
      const a = await waitForAnalysis(c, id, (x) => x.state === 'triaged', 15_000);
      expect(a.kernelRelease).toBe(f.truth.kernel.release);
    } finally {
      await c.stop();
      removeDir(c.dataDir);
    }
  });
});
