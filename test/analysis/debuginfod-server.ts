import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../collector/harness.js';

export interface RunningDebuginfod {
  url: string;
  proc: ChildProcess;
  /** ms from start until the .deb archives were indexed */
  scanMs: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Debian's real debuginfod (elfutils 0.188) on 127.0.0.1, indexing the -dbg .debs under `dir`.
 * `-U` enables .deb/.ddeb scanning; Debian's build unpacks them with
 * `(bsdtar -O -x -f - data.tar\*)<` (package libarchive-tools). `-t 0 -g 0`: scan once, no
 * periodic rescans or grooming. The index lives in `stateDir` (thrown away with it).
 */
export async function startDebuginfod(
  dir: string,
  stateDir: string,
  debs: number,
): Promise<RunningDebuginfod> {
  const port = await freePort();
  const started = Date.now();
  const proc = spawn(
    'debuginfod',
    [
      '-p',
      String(port),
      '-d',
      join(stateDir, 'debuginfod.sqlite'),
      '-U',
      '-t',
      '0',
      '-g',
      '0',
      '-v',
      dir,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: stateDir },
    },
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  proc.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  // indexed when the scanner has taken in every .deb and has nothing pending
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`debuginfod exited (${proc.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`debuginfod did not index ${dir} in 5 minutes:\n${out}`);
    }
    try {
      const m = await (await fetch(`${url}/metrics`)).text();
      const scanned = Number(
        /scanned_files_total\{source="\.deb archive"\} (\d+)/.exec(m)?.[1] ?? 0,
      );
      const pending = Number(/thread_work_pending\{role="scan"\} (\d+)/.exec(m)?.[1] ?? 1);
      const busy = Number(/thread_busy\{role="scan"\} (\d+)/.exec(m)?.[1] ?? 0);
      if (scanned >= debs && pending === 0 && busy === 0) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, proc, scanMs: Date.now() - started, output: () => out, stop };
}
