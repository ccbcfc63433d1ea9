import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starts the BUILT collector (apps/collector/dist/main.js) as a real process on a free port with
 * its own DATA_DIR, and stops or SIGKILLs it. Tests talk to it over HTTP like an agent would.
 */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, '..', 'shared', 'fixtures');
export const collectorMain = join(repoRoot, 'apps', 'collector', 'dist', 'main.js');

export const UPLOAD_TOKEN = 'upload-token-for-tests-0123456789';
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abc';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

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

export async function startCollector(opts: StartOptions = {}): Promise<RunningCollector> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const port = opts.port ?? (await freePort());
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
