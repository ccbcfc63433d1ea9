import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bucket, BucketDetail, DumpAnalysis } from '@kdumpfleet/contracts';
import {
  ADMIN_TOKEN,
  UPLOAD_TOKEN,
  adminHeaders,
  collectorMain,
  fixturesDir,
  startedDatabaseUrl,
  type RunningCollector,
} from '../collector/harness.js';
import { fixtureDumps, metadataFor, tusUpload, type FixtureDump } from '../collector/tus-client.js';

/** What the fixture's truth.json says (the fields analysis must reproduce). */
export interface Truth {
  name: string;
  file: string;
  size: number;
  sha256: string;
  container: string;
  format: string;
  compression: string;
  incomplete: boolean;
  kernel: { release: string; version: string; machine: string; buildId: string | null };
  crashTime: string | null;
  panic: { message: string | null };
  oops: {
    kind: string;
    culprit: { symbol: string; module: string | null };
    ripSymbol: string | null;
  };
}

export interface Fixture extends FixtureDump {
  dir: string;
  truth: Truth;
}

export function fixtures(): Fixture[] {
  return fixtureDumps().map((d) => {
    const dir = join(fixturesDir, 'vmcores', d.name);
    return { ...d, dir, truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth };
  });
}

export const FINAL_STATES = ['analyzed', 'no-debuginfo', 'analysis-failed', 'triage-failed'];

/** Uploads a file over tus like the agent and returns the new dump id. */
export async function upload(
  c: RunningCollector,
  path: string,
  meta: { name: string; sha256: string },
  extra: Record<string, string> = {},
): Promise<string> {
  const d = { name: meta.name, path, size: 0, sha256: meta.sha256 };
  const out = await tusUpload(c.url, path, metadataFor(d, extra));
  if (!out.dumpId)
    throw new Error(`upload of ${path} returned no Dump-Id (state ${out.dumpState})`);
  return out.dumpId;
}

export async function getJson<T>(
  c: RunningCollector,
  path: string,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${c.url}${path}`, { headers: adminHeaders });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function getText(
  c: RunningCollector,
  path: string,
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${c.url}${path}`, { headers: adminHeaders });
  return {
    status: res.status,
    text: Buffer.from(await res.arrayBuffer()).toString('latin1'),
    headers: res.headers,
  };
}

/** Polls GET /dumps/:id/analysis until `done(state)` or the deadline; returns the last one. */
export async function waitForAnalysis(
  c: RunningCollector,
  dumpId: string,
  done: (a: DumpAnalysis) => boolean = (a) => FINAL_STATES.includes(a.state),
  timeoutMs = 120_000,
): Promise<DumpAnalysis> {
  const deadline = Date.now() + timeoutMs;
  let last: DumpAnalysis | null = null;
  while (Date.now() < deadline) {
    const r = await getJson<DumpAnalysis>(c, `/api/v1/dumps/${dumpId}/analysis`);
    if (r.status === 200) {
      last = r.body;
      if (done(last)) return last;
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(
    `dump ${dumpId}: analysis not done after ${timeoutMs} ms; last ${JSON.stringify(last)}\n${c.output().slice(-4000)}`,
  );
}

export async function buckets(c: RunningCollector): Promise<Bucket[]> {
  return (await getJson<{ items: Bucket[] }>(c, '/api/v1/buckets')).body.items;
}

export async function bucket(c: RunningCollector, id: string): Promise<BucketDetail> {
  return (await getJson<BucketDetail>(c, `/api/v1/buckets/${id}`)).body;
}

export interface RunningWorker {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `node apps/collector/dist/main.js worker` on a collector's DATA_DIR, with its environment. */
export function startWorker(dataDir: string, env: Record<string, string>): RunningWorker {
  const proc = spawn(process.execPath, [collectorMain, 'worker'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      DATA_DIR: dataDir,
      UPLOAD_TOKENS: UPLOAD_TOKEN,
      ADMIN_TOKEN,
      LOG_LEVEL: 'info',
      ...(startedDatabaseUrl(dataDir) ? { DATABASE_URL: startedDatabaseUrl(dataDir)! } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );
  return {
    proc,
    output: () => out,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
