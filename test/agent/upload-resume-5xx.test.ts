import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminHeaders,
  removeDir,
  startCollector,
  UPLOAD_TOKEN,
  type RunningCollector,
} from '../collector/harness.js';
import { fixtureDumps } from '../collector/tus-client.js';
import {
  agentHome,
  placeDebianDump,
  runAgentAsync,
  spawnAgent,
  type AgentHome,
} from './agent-harness.js';
import { FaultProxy } from './fault-proxy.js';

/*
 * tus-js-client answers any non-2xx HEAD of an upload it resumes (but 423) by creating a new
 * upload from byte 0. Here a real collector sits behind a proxy that drops a PATCH half way and
 * then answers 502 to the next HEADs, as nginx does while a collector instance restarts: the
 * agent must keep retrying the same upload, and create a new one only on 404.
 */

interface UploadJson {
  uploaded: { file: string; dumpId: string; sha256: string; resumedFrom: number }[];
  failed: { file: string; error: string; code: string }[];
}

const zstdOk = spawnSync('zstd', ['--version']).status === 0;
if (!zstdOk) console.warn('zstd CLI missing (apt-get install zstd): decompression checks fail');

const CHUNK = 256 * 1024;
const fixture = fixtureDumps().sort((a, b) => b.size - a.size)[0]!;
let collector: RunningCollector;
const homes: AgentHome[] = [];

beforeAll(async () => {
  collector = await startCollector();
}, 90_000);
afterAll(async () => {
  await collector?.stop();
  if (collector) removeDir(collector.dataDir);
  for (const h of homes) removeDir(h.root);
});

function home(node: string, proxy: FaultProxy): AgentHome {
  const h = agentHome({
    collectorUrl: `http://127.0.0.1:${proxy.port}`,
    uploadToken: UPLOAD_TOKEN,
    node,
    chunkSize: CHUNK,
  });
  homes.push(h);
  return h;
}

function ledger(h: AgentHome): { uploadUrl?: string; spool?: { size: number } }[] {
  const dir = join(h.stateDir, 'dumps');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { uploadUrl?: string });
}

async function recordsOf(node: string) {
  const r = await fetch(`${collector.url}/api/v1/dumps?node=${node}&state=all&limit=50`, {
    headers: adminHeaders,
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { items: { id: string; sha256: string; state: string }[] }).items;
}

/** sha256 of what `zstd -d` makes of the dump's stored bytes: must be the fixture's. */
async function decompressedSha256(dumpId: string, dir: string): Promise<string> {
  const r = await fetch(`${collector.url}/api/v1/dumps/${dumpId}/file`, { headers: adminHeaders });
  expect(r.status).toBe(200);
  const p = join(dir, `${dumpId}.zst`);
  writeFileSync(p, Buffer.from(await r.arrayBuffer()));
  const out = spawnSync('zstd', ['-d', '-c', p], { maxBuffer: 512 << 20 });
  expect(out.status).toBe(0);
  return createHash('sha256').update(out.stdout).digest('hex');
}

async function expectOneExactRecord(node: string, out: UploadJson, h: AgentHome) {
  expect(out.failed).toEqual([]);
  expect(out.uploaded).toHaveLength(1);
  const records = await recordsOf(node);
  expect(records).toHaveLength(1);
  expect(records[0]!.state).toBe('received');
  expect(records[0]!.sha256).toBe(out.uploaded[0]!.sha256);
  expect(out.uploaded[0]!.dumpId).toBe(records[0]!.id);
  expect(await decompressedSha256(records[0]!.id, h.root)).toBe(fixture.sha256);
}

/** First run: held on its 3rd PATCH (2 chunks + part of a third at the collector), then SIGKILLed. */
async function killedMidUpload(proxy: FaultProxy, h: AgentHome): Promise<string> {
  const held = proxy.armPatchFault({ nth: 3, cutAfter: 100_000, mode: 'hold', failHeadsAfter: 0 });
  placeDebianDump(h.crashDir, '202611231700', fixture.path);
  const agent = spawnAgent(h, ['upload']);
  const exited = new Promise((r) => agent.once('exit', r));
  await held;
  agent.kill('SIGKILL');
  await exited;
  const e = ledger(h).find((x) => x.uploadUrl);
  expect(e?.uploadUrl).toBeTruthy();
  expect(e!.spool!.size).toBeGreaterThan(4 * CHUNK);
  return e!.uploadUrl!;
}

describe('resuming an upload whose HEAD gets 5xx (real collector behind a fault proxy)', () => {
  it('PATCH dropped, then 502 to 3 HEADs: the same run resumes the same upload, one POST', async () => {
    const proxy = new FaultProxy(collector.port);
    await proxy.start();
    try {
      const h = home('head-502-in-run', proxy);
      const cut = proxy.armPatchFault({
        nth: 3,
        cutAfter: 100_000,
        mode: 'cut',
        failHeadsAfter: 3,
      });
      placeDebianDump(h.crashDir, '202611231710', fixture.path);
      const t0 = Date.now();
      const run = runAgentAsync(h, ['upload', '--json']);
      await cut;
      const r = await run;
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(proxy.headFaultsAnswered).toBe(3);
      expect(proxy.count.POST).toBe(1);
      // After the fault the upload went on from the collector's offset, not from 0.
      const after = proxy.patchOffsets.slice(proxy.patchOffsets.indexOf('fault') + 1);
      expect(after.length).toBeGreaterThan(0);
      expect(after[0]).toBeGreaterThanOrEqual(2 * CHUNK);
      await expectOneExactRecord('head-502-in-run', JSON.parse(r.stdout) as UploadJson, h);
      console.log(
        `in-run: 3×502 then resumed at ${String(after[0])} in ${Date.now() - t0} ms`,
        proxy.count,
      );
    } finally {
      await proxy.stop();
    }
  }, 150_000);

  it('agent killed mid-upload, next run gets 502 to 3 HEADs: resumes the ledger URL, one POST', async () => {
    const proxy = new FaultProxy(collector.port);
    await proxy.start();
    try {
      const h = home('head-502-next-run', proxy);
      const url = await killedMidUpload(proxy, h);
      proxy.failHeads = 3;
      const r = await runAgentAsync(h, ['upload', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(proxy.headFaultsAnswered).toBe(3);
      expect(proxy.count.POST).toBe(1);
      const out = JSON.parse(r.stdout) as UploadJson;
      expect(out.uploaded[0]!.resumedFrom).toBeGreaterThanOrEqual(2 * CHUNK);
      await expectOneExactRecord('head-502-next-run', out, h);
      // The upload that finished is the one from the first run.
      expect(ledger(h)[0]?.uploadUrl ?? url).toBe(url);
    } finally {
      await proxy.stop();
    }
  }, 150_000);

  it('503s that go on: the agent retries the same URL with backoff, no POST, the ledger keeps it', async () => {
    const proxy = new FaultProxy(collector.port);
    await proxy.start();
    try {
      const h = home('head-503-exhausted', proxy);
      const url = await killedMidUpload(proxy, h);
      proxy.headStatus = 503;
      proxy.failHeads = 1_000;
      // Running out of the default delays takes minutes: watch a few retried HEADs, then stop.
      const agent = spawnAgent(h, ['upload']);
      const exited = new Promise((r) => agent.once('exit', r));
      const end = Date.now() + 30_000;
      while (proxy.headFaultsAnswered < 3 && Date.now() < end)
        await new Promise((r) => setTimeout(r, 100));
      agent.kill('SIGKILL');
      await exited;
      expect(proxy.headFaultsAnswered).toBeGreaterThanOrEqual(3);
      expect(proxy.count.POST).toBe(1);
      expect(ledger(h).find((x) => x.uploadUrl)?.uploadUrl).toBe(url);
      expect(await recordsOf('head-503-exhausted')).toHaveLength(0);
    } finally {
      await proxy.stop();
    }
  }, 150_000);

  it('404 to the HEAD (the collector lost the upload): a new upload, one exact record', async () => {
    const proxy = new FaultProxy(collector.port);
    await proxy.start();
    try {
      const h = home('head-404', proxy);
      const url = await killedMidUpload(proxy, h);
      proxy.headStatus = 404;
      proxy.failHeads = 1_000;
      const r = await runAgentAsync(h, ['upload', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(proxy.count.POST).toBe(2);
      const out = JSON.parse(r.stdout) as UploadJson;
      expect(out.uploaded[0]!.resumedFrom).toBe(0);
      await expectOneExactRecord('head-404', out, h);
      expect(ledger(h)[0]?.uploadUrl).not.toBe(url);
    } finally {
      await proxy.stop();
    }
  }, 150_000);
});
