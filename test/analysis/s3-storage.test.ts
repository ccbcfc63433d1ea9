// Analysis over the S3 backend (Ceph RGW, test/s3 harness): triage reads the object in place by
// ranged GETs (kdump-compressed) or inflates a plain .zst through one streaming GET, and the
// results are written back as S3 objects.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TriageResult } from '@kdumpfleet/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, type RunningCollector } from '../collector/harness.js';
import { collectorS3Env, startS3, type S3Server } from '../s3/harness.js';
import { fixtures, getJson, getText, upload, waitForAnalysis } from './analysis-harness.js';

const picked = fixtures().filter((f) => ['k61-null-deref', 'k61-warn-panic'].includes(f.name));

describe('analysis with the s3 backend (Ceph RGW)', () => {
  let s3: S3Server | null = null;
  let c: RunningCollector | undefined;
  beforeAll(async () => {
    s3 = await startS3({ bucket: 'kdf-analysis-test' });
    if (!s3) return; // startS3 printed why and what to install (and throws under CI=true)
    c = await startCollector({
      env: {
        ...collectorS3Env(s3),
        ANALYSIS_POLL_INTERVAL: '200ms',
      },
    });
  });
  afterAll(async () => {
    await c?.stop();
    if (c) removeDir(c.dataDir);
    await s3?.stop();
  });

  it('triages dumps stored in S3 and keeps the results there', async (ctx) => {
    if (!c) return ctx.skip();
    expect(picked).toHaveLength(2);
    for (const f of picked) {
      const id = await upload(c, f.path, f);
      const a = await waitForAnalysis(c, id);
      expect(a.state).toBe('no-debuginfo');
      expect(a.kernelRelease).toBe(f.truth.kernel.release);
      expect(a.culprit).toEqual(f.truth.oops.culprit);
      const r = (await getJson<TriageResult>(c, `/api/v1/dumps/${id}/results/triage.json`)).body;
      expect(r.container).toBe(f.truth.container);
      const dmesg = await getText(c, `/api/v1/dumps/${id}/results/dmesg.txt`);
      expect(dmesg.text).toBe(readFileSync(join(f.dir, 'dmesg.txt'), 'latin1'));
      const io = (
        await getJson<{ objectSize: number; storeBytesRead: number; storeRequests: number }>(
          c,
          `/api/v1/dumps/${id}/results/triage-io.json`,
        )
      ).body;
      if (f.truth.container === 'none') {
        // in place: a few hundred ranged GETs, a few percent of the object
        expect(io.storeBytesRead / io.objectSize).toBeLessThan(0.05);
        expect(io.storeRequests).toBeGreaterThan(1);
      } else {
        // plain zstd: streamed once (plus the few bytes read to recognise it)
        expect(io.storeBytesRead).toBeGreaterThanOrEqual(io.objectSize);
        expect(io.storeBytesRead).toBeLessThan(io.objectSize + 4096);
      }
    }
  });
});
