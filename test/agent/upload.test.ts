import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
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
  CuttingProxy,
  placeDebianDump,
  runAgent,
  runAgentAsync,
  spawnAgent,
  type AgentHome,
} from './agent-harness.js';

interface Uploaded {
  file: string;
  dumpId: string;
  sha256: string;
  uploadedBytes: number;
  sourceBytes: number;
  resumedFrom: number;
  deleted: boolean;
}
interface UploadJson {
  uploaded: Uploaded[];
  failed: { file: string; error: string; code: string }[];
  notUploadable: { path: string; state: string; reason: string }[];
  alreadyUploaded: number;
}

const zstdOk = spawnSync('zstd', ['--version']).status === 0;
if (!zstdOk) console.warn('zstd CLI missing (apt-get install zstd): decompression checks fail');

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

function home(node: string, extra: Record<string, unknown> = {}): AgentHome {
  const h = agentHome({ collectorUrl: collector.url, uploadToken: UPLOAD_TOKEN, node, ...extra });
  homes.push(h);
  return h;
}

async function recordsOf(node: string) {
  const r = await fetch(`${collector.url}/api/v1/dumps?node=${node}&state=all&limit=500`, {
    headers: adminHeaders,
  });
  expect(r.status).toBe(200);
  return (
    (await r.json()) as {
      items: { id: string; sha256: string; encoding: string; state: string; size: number }[];
    }
  ).items;
}

/** Downloads a dump's stored bytes and returns sha256 of what `zstd -d` makes of them. */
async function decompressedSha256(dumpId: string, dir: string): Promise<string> {
  const r = await fetch(`${collector.url}/api/v1/dumps/${dumpId}/file`, { headers: adminHeaders });
  expect(r.status).toBe(200);
  const stored = Buffer.from(await r.arrayBuffer());
  const p = join(dir, `${dumpId}.zst`);
  writeFileSync(p, stored);
  const out = spawnSync('zstd', ['-d', '-c', p], { maxBuffer: 512 << 20 });
  expect(out.status).toBe(0);
  return createHash('sha256').update(out.stdout).digest('hex');
}

function ledger(h: AgentHome): { uploadUrl?: string; spool?: { size: number; path: string } }[] {
  const dir = join(h.stateDir, 'dumps');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      try {
        return JSON.parse(readFileSync(join(dir, f), 'utf8')) as { uploadUrl?: string };
      } catch {
        return {};
      }
    });
}

async function offsetOf(url: string): Promise<number> {
  const r = await fetch(url, {
    method: 'HEAD',
    headers: { Authorization: `Bearer ${UPLOAD_TOKEN}`, 'Tus-Resumable': '1.0.0' },
  });
  return r.ok ? Number(r.headers.get('upload-offset')) : -1;
}

async function until<T>(
  what: string,
  f: () => Promise<T | null> | T | null,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await f();
    if (v !== null && v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const fixtures = fixtureDumps();

describe('kdumpfleet upload (built agent → built collector, fs backend)', () => {
  it('uploads every fixture dump; record sha256 = agent sha256; bytes decompress to the fixture', async () => {
    const h = home('fixture-host');
    fixtures.forEach((f, i) =>
      placeDebianDump(h.crashDir, `2026112300${String(i).padStart(2, '0')}`, f.path),
    );
    const r = runAgent(h, ['upload', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as UploadJson;
    expect(out.uploaded).toHaveLength(fixtures.length);
    const records = await recordsOf('fixture-host');
    expect(records).toHaveLength(fixtures.length);
    for (const [i, f] of fixtures.entries()) {
      const u = out.uploaded.find((x) =>
        x.file.endsWith(`dump.2026112300${String(i).padStart(2, '0')}`),
      )!;
      expect(u.sourceBytes).toBe(f.size);
      const rec = records.find((x) => x.id === u.dumpId)!;
      expect(rec.state).toBe('received');
      expect(rec.sha256).toBe(u.sha256);
      expect(rec.encoding).toBe('zstd');
      expect(rec.size).toBe(u.uploadedBytes);
      expect(await decompressedSha256(u.dumpId, h.root)).toBe(f.sha256);
      expect(existsSync(u.file)).toBe(true); // kept: no --delete-after-upload
    }
    const listed = JSON.parse(runAgent(h, ['dumps', '--json']).stdout) as {
      dumps: { state: string; dumpId: string }[];
    };
    expect(listed.dumps.map((d) => d.state)).toEqual(fixtures.map(() => 'uploaded'));
    // A second run sends nothing and makes no records.
    const again = runAgent(h, ['upload']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing to upload \(5 already uploaded\)/);
    expect(await recordsOf('fixture-host')).toHaveLength(fixtures.length);
    // No spool files left behind.
    expect(readdirSync(join(h.stateDir, 'spool'))).toEqual([]);
  }, 240_000);

  it('a wrong token: one clear error, exit 2, the dump kept and still pending', async () => {
    const h = home('wrong-token', { uploadToken: 'not-the-right-token-at-all' });
    const file = placeDebianDump(h.crashDir, '202611231200', fixtures[0]!.path);
    const r = runAgent(h, ['upload']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refused the upload token \(401\)/);
    expect(r.stderr).toMatch(/dump kept/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(file)).toBe(true);
    const listed = JSON.parse(runAgent(h, ['dumps', '--json']).stdout) as {
      dumps: { state: string }[];
    };
    expect(listed.dumps.map((d) => d.state)).toEqual(['complete']);
    expect(await recordsOf('wrong-token')).toHaveLength(0);
  }, 60_000);

  it('incomplete, empty and truncated dumps are listed and never uploaded', async () => {
    const h = home('bad-dumps');
    mkdirSync(join(h.crashDir, '202611231300'));
    writeFileSync(join(h.crashDir, '202611231300', 'dump-incomplete'), 'partial');
    mkdirSync(join(h.crashDir, '202611231301'));
    writeFileSync(join(h.crashDir, '202611231301', 'dump.202611231301'), '');
    mkdirSync(join(h.crashDir, '127.0.0.1-2026-11-23-13:02:00'));
    writeFileSync(
      join(h.crashDir, '127.0.0.1-2026-11-23-13:02:00', 'vmcore'),
      readFileSync(fixtures[0]!.path).subarray(0, 8192),
    );
    const r = runAgent(h, ['upload', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as UploadJson;
    expect(out.uploaded).toHaveLength(0);
    expect(out.notUploadable.map((n) => n.state).sort()).toEqual([
      'incomplete',
      'invalid',
      'invalid',
    ]);
    expect(out.notUploadable.map((n) => n.reason).join('\n')).toMatch(/dump-incomplete present/);
    expect(out.notUploadable.map((n) => n.reason).join('\n')).toMatch(/empty file/);
    expect(out.notUploadable.map((n) => n.reason).join('\n')).toMatch(/truncated/);
    expect(await recordsOf('bad-dumps')).toHaveLength(0);
    // Naming one explicitly is an error with its reason.
    const one = runAgent(h, ['upload', join(h.crashDir, '202611231301')]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/not uploaded .*empty file/);
  }, 60_000);

  it('SIGKILL mid-upload: the next run resumes from the collector offset, one record, exact bytes', async () => {
    const proxy = new CuttingProxy(collector.port, 2 * 1024 * 1024);
    await proxy.start();
    try {
      const f = fixtures.find((x) => x.name === 'k612-null-deref') ?? fixtures[0]!;
      const h = home('killed-agent', {
        collectorUrl: `http://127.0.0.1:${proxy.port}`,
        chunkSize: 256 * 1024,
      });
      placeDebianDump(h.crashDir, '202611231400', f.path);
      const agent = spawnAgent(h, ['upload']);
      const exited = new Promise((r) => agent.once('exit', r));
      const url = await until(
        'an upload URL in the ledger',
        () => ledger(h).find((e) => e.uploadUrl)?.uploadUrl ?? null,
      );
      const spoolSize = ledger(h).find((e) => e.spool)!.spool!.size;
      const at = await until('a quarter uploaded', async () => {
        const off = await offsetOf(url.replace(`:${proxy.port}`, `:${collector.port}`));
        return off > spoolSize / 4 ? off : null;
      });
      agent.kill('SIGKILL');
      await exited;
      const left = await offsetOf(url.replace(`:${proxy.port}`, `:${collector.port}`));
      expect(left).toBeGreaterThanOrEqual(at);
      expect(left).toBeLessThan(spoolSize);
      expect(await recordsOf('killed-agent')).toHaveLength(0);

      proxy.bytesPerSecond = Infinity;
      // Through the proxy again (the ledger's URL), so not with spawnSync: the proxy lives here.
      const r = await runAgentAsync(h, ['upload', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as UploadJson;
      expect(out.uploaded).toHaveLength(1);
      expect(out.uploaded[0]!.resumedFrom).toBeGreaterThanOrEqual(left);
      const records = await recordsOf('killed-agent');
      expect(records).toHaveLength(1);
      expect(records[0]!.sha256).toBe(out.uploaded[0]!.sha256);
      expect(await decompressedSha256(records[0]!.id, h.root)).toBe(f.sha256);
    } finally {
      await proxy.stop();
    }
  }, 180_000);

  it('a spool damaged between runs: the collector refuses it (460), the dump is kept, the next run recompresses', async () => {
    const proxy = new CuttingProxy(collector.port, 2 * 1024 * 1024);
    await proxy.start();
    try {
      const f = fixtures[0]!;
      const h = home('damaged-spool', {
        collectorUrl: `http://127.0.0.1:${proxy.port}`,
        chunkSize: 256 * 1024,
      });
      const file = placeDebianDump(h.crashDir, '202611231450', f.path);
      const agent = spawnAgent(h, ['upload']);
      const exited = new Promise((r) => agent.once('exit', r));
      const url = await until(
        'an upload URL',
        () => ledger(h).find((e) => e.uploadUrl)?.uploadUrl ?? null,
      );
      await until('some bytes at the collector', async () =>
        (await offsetOf(url.replace(`:${proxy.port}`, `:${collector.port}`))) > 0 ? true : null,
      );
      agent.kill('SIGKILL');
      await exited;
      // flip the last byte of the spool: bytes not yet sent now differ from the declared sha256
      const spool = ledger(h).find((e) => e.spool)!.spool!;
      const bytes = readFileSync(spool.path);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      writeFileSync(spool.path, bytes);
      proxy.bytesPerSecond = Infinity;
      const bad = await runAgentAsync(h, ['upload']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/differ from the declared sha256\/size \(460\).*dump kept/);
      expect(existsSync(file)).toBe(true);
      expect(ledger(h).some((e) => e.spool)).toBe(false);
      const good = await runAgentAsync(h, ['upload', '--json']);
      expect(good.code).toBe(0);
      const records = await recordsOf('damaged-spool');
      expect(records.map((r) => r.state).sort()).toEqual(['corrupt', 'received']);
      const ok = records.find((r) => r.state === 'received')!;
      expect(await decompressedSha256(ok.id, h.root)).toBe(f.sha256);
    } finally {
      await proxy.stop();
    }
  }, 180_000);

  it('connections cut by a proxy mid-upload: the agent retries by itself and finishes once', async () => {
    const proxy = new CuttingProxy(collector.port, 3 * 1024 * 1024);
    await proxy.start();
    try {
      const f = fixtures.find((x) => x.name === 'k61-null-deref') ?? fixtures[0]!;
      // compressionThreads 2: the worker-thread writer end to end too.
      const h = home('cut-agent', {
        collectorUrl: `http://127.0.0.1:${proxy.port}`,
        chunkSize: 1024 * 1024,
        compressionThreads: 2,
      });
      placeDebianDump(h.crashDir, '202611231500', f.path);
      const agent = spawnAgent(h, ['upload', '--json']);
      let stdout = '';
      agent.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((r) => agent.once('exit', r));
      const url = await until(
        'an upload URL',
        () => ledger(h).find((e) => e.uploadUrl)?.uploadUrl ?? null,
      );
      const direct = url.replace(`:${proxy.port}`, `:${collector.port}`);
      await until('some bytes at the collector', async () =>
        (await offsetOf(direct)) > 0 ? true : null,
      );
      expect(proxy.cutAll()).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 1500));
      proxy.cutAll();
      proxy.bytesPerSecond = Infinity;
      expect(await exited).toBe(0);
      const out = JSON.parse(stdout) as UploadJson;
      expect(out.uploaded).toHaveLength(1);
      const records = await recordsOf('cut-agent');
      expect(records).toHaveLength(1);
      expect(await decompressedSha256(records[0]!.id, h.root)).toBe(f.sha256);
    } finally {
      await proxy.stop();
    }
  }, 180_000);

  it('the answer to the last PATCH is lost: the agent asks, finds its record, uploads nothing again', async () => {
    const proxy = new CuttingProxy(collector.port);
    await proxy.start();
    try {
      const f = fixtures[0]!;
      const h = home('lost-answer', { collectorUrl: `http://127.0.0.1:${proxy.port}` });
      placeDebianDump(h.crashDir, '202611231550', f.path);
      proxy.dropResponseContaining = 'Dump-Id:';
      const r = await runAgentAsync(h, ['upload', '--json']);
      expect(proxy.droppedResponses).toBe(1);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as UploadJson;
      const records = await recordsOf('lost-answer');
      expect(records).toHaveLength(1);
      expect(out.uploaded[0]!.dumpId).toBe(records[0]!.id);
    } finally {
      await proxy.stop();
    }
  }, 120_000);

  it('collector SIGKILLed and restarted mid-upload: the agent retries and finishes once', async () => {
    const own = await startCollector();
    const proxy = new CuttingProxy(own.port, 2 * 1024 * 1024);
    await proxy.start();
    let restarted: RunningCollector | null = null;
    try {
      const f = fixtures.find((x) => x.name === 'k61-panic-flattened') ?? fixtures[0]!;
      const h = home('restarted-collector', {
        collectorUrl: `http://127.0.0.1:${proxy.port}`,
        chunkSize: 512 * 1024,
      });
      placeDebianDump(h.crashDir, '202611231559', f.path);
      const agent = runAgentAsync(h, ['upload', '--json']);
      let early: string | null = null;
      void agent.then((r) => (early = `agent exited ${r.code}: ${r.stderr}${r.stdout}`));
      const url = await until('an upload URL', () => {
        if (early) throw new Error(early);
        return ledger(h).find((e) => e.uploadUrl)?.uploadUrl ?? null;
      });
      const direct = url.replace(`:${proxy.port}`, `:${own.port}`);
      await until('a fifth uploaded', async () =>
        (await offsetOf(direct)) > f.size / 5 ? true : null,
      );
      await own.kill();
      restarted = await startCollector({ dataDir: own.dataDir, port: own.port });
      proxy.bytesPerSecond = Infinity;
      const r = await agent;
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const res = await fetch(`${restarted.url}/api/v1/dumps?node=restarted-collector&state=all`, {
        headers: adminHeaders,
      });
      const items = ((await res.json()) as { items: { id: string; sha256: string }[] }).items;
      expect(items).toHaveLength(1);
      const out = JSON.parse(r.stdout) as UploadJson;
      expect(items[0]!.sha256).toBe(out.uploaded[0]!.sha256);
      expect(out.uploaded[0]!.dumpId).toBe(items[0]!.id);
    } finally {
      await proxy.stop();
      await restarted?.stop();
      removeDir(own.dataDir);
    }
  }, 180_000);

  it('--delete-after-upload removes the dump directory only after the collector confirmed it', async () => {
    const h = home('delete-after');
    const file = placeDebianDump(h.crashDir, '202611231600', fixtures[0]!.path);
    const r = runAgent(h, ['upload', '--delete-after-upload', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as UploadJson;
    expect(out.uploaded[0]!.deleted).toBe(true);
    expect(existsSync(join(h.crashDir, '202611231600'))).toBe(false);
    expect((await recordsOf('delete-after')).map((x) => x.id)).toEqual([out.uploaded[0]!.dumpId]);
    void file;
  }, 60_000);
});
