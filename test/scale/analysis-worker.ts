/**
 * One `collector worker` process (the BUILT collector, `node apps/collector/dist/main.js
 * worker`): analysis only, no HTTP, on the shared database and object store. Its jobs' lease
 * owner is `host:PID:slot`, so tests tell workers apart by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { collectorMain } from '../collector/harness.js';

export interface RunningWorker {
  pid: number;
  proc: ChildProcess;
  /** Everything the worker printed (pino JSON lines). */
  output(): string;
  /** Log lines as objects (non-JSON lines skipped). */
  logLines(): Record<string, unknown>[];
  /** SIGTERM: stops claiming, aborts running jobs, exits. */
  stop(): Promise<number | null>;
  /** SIGKILL: no cleanup at all, like a lost host; its leases lapse. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export async function startWorker(env: Record<string, string>): Promise<RunningWorker> {
  const proc = spawn(process.execPath, [collectorMain, 'worker'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
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
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  const worker: RunningWorker = {
    pid: proc.pid!,
    proc,
    output: () => out,
    logLines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    exited,
    async stop() {
      if (alive()) proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (alive()) proc.kill('SIGKILL');
      await exited;
    },
  };
  // Ready once it says so (it logs at info; the deployment starts workers with LOG_LEVEL=info).
  const deadline = Date.now() + 60_000;
  while (!out.includes('analysis worker running')) {
    if (!alive()) throw new Error(`analysis worker exited (${proc.exitCode}) at start:\n${out}`);
    if (Date.now() > deadline) {
      await worker.kill();
      throw new Error(`analysis worker not running after 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return worker;
}
