import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshSharedDatabase, postgresMissing } from '../pg/harness.js';
export { freePort } from '../net/free-port.js';
import { freePort } from '../net/free-port.js';

/**
 * Starts the BUILT collector (apps/collector/dist/main.js) as a real process on a free port with
 * its own DATA_DIR, and stops or SIGKILLs it. Tests talk to it over HTTP like an agent would.
 */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, '..', 'shared', 'fixtures');
export const collectorMain = join(repoRoot, 'apps', 'collector', 'dist', 'main.js');

export const UPLOAD_TOKEN = 'upload-token-for-tests-0123456789';
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abc';

export function tempDataDir(tag = 'collector'): string {
  return mkdtempSync(join(tmpdir(), `kdf-${tag}-`));
}

export interface StartOptions {
  dataDir?: string;
  port?: number;
  /** Extra environment; `null` removes a variable the harness would set. */
  env?: Record<string, string | null>;
  /** Wait for /health/live (default true). */
  waitLive?: boolean;
}

export interface RunningCollector {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (no cleanup at all) and wait for exit. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * KDF_TEST_DATABASE=postgres runs every collector a test starts on PostgreSQL: a fresh database
 * per DATA_DIR (a restart on the same DATA_DIR finds its data again) on one throw-away cluster
 * per test process (test/pg/harness.ts). Unset or `sqlite`: SQLite in DATA_DIR, as in production
 * by default. A test that sets DATABASE_URL itself (or null) keeps what it set.
 */
export const testDatabase: 'sqlite' | 'postgres' = (() => {
  const v = process.env.KDF_TEST_DATABASE ?? 'sqlite';
  if (v !== 'sqlite' && v !== 'postgres')
    throw new Error(`KDF_TEST_DATABASE=${v}: expected sqlite or postgres`);
  if (v === 'postgres') {
    const missing = postgresMissing();
    if (missing) throw new Error(`KDF_TEST_DATABASE=postgres: ${missing}`);
  }
  return v;
})();

const databaseOfDataDir = new Map<string, Promise<string>>();
const knownDatabaseOfDataDir = new Map<string, string>();

/**
 * The DATABASE_URL a collector on `dataDir` was started with under KDF_TEST_DATABASE=postgres
 * (for `collector worker` processes sharing its database), or null.
 */
export function startedDatabaseUrl(dataDir: string): string | null {
  return knownDatabaseOfDataDir.get(dataDir) ?? null;
}

/** The DATABASE_URL for a collector on `dataDir` under KDF_TEST_DATABASE, or null for SQLite. */
export function testDatabaseUrl(dataDir: string): Promise<string> | null {
  if (testDatabase !== 'postgres') return null;
  let url = databaseOfDataDir.get(dataDir);
  if (!url) {
    url = freshSharedDatabase('collector').then((u) => {
      knownDatabaseOfDataDir.set(dataDir, u);
      return u;
    });
    databaseOfDataDir.set(dataDir, url);
  }
  return url;
}

export async function startCollector(opts: StartOptions = {}): Promise<RunningCollector> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const port = opts.port ?? (await freePort());
  const databaseUrl =
    opts.env && 'DATABASE_URL' in opts.env ? null : await testDatabaseUrl(dataDir);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    UPLOAD_TOKENS: UPLOAD_TOKEN,
    ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    MIN_FREE_DATA: '1MiB',
    MIN_FREE_TMP: '1MiB',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  const proc = spawn(process.execPath, [collectorMain], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // KDF_SHOW_COLLECTOR_LOG=1 echoes the collector's own output while debugging a test.
  const echo = process.env.KDF_SHOW_COLLECTOR_LOG === '1';
  const collect = (d: Buffer) => {
    out += d.toString();
    if (echo) process.stderr.write(d);
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );
  const url = `http://127.0.0.1:${port}`;
  const running: RunningCollector = {
    url,
    port,
    dataDir,
    proc,
    output: () => out,
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
  if (opts.waitLive !== false) await waitLive(running);
  return running;
}

export async function waitLive(c: RunningCollector, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void c.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`collector exited (${exitCode}) before live:\n${c.output()}`);
    try {
      const r = await fetch(`${c.url}/health/live`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`collector not live after ${timeoutMs} ms:\n${c.output()}`);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export const adminHeaders = { Authorization: `Bearer ${ADMIN_TOKEN}` };
export const uploadHeaders = { Authorization: `Bearer ${UPLOAD_TOKEN}` };
