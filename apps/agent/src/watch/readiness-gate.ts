import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadinessReport } from '@kdumpfleet/contracts';

/** The agent's own CLI beside this file's folder (dist/cli.js); tests pass the built one. */
export const AGENT_CLI = fileURLToPath(new URL('../cli.js', import.meta.url));

/** Whether a crash now would be captured, and if not, the failing checks as `id: message`. */
export interface ReadinessAnswer {
  ready: boolean;
  reasons: string[];
  /** How the answer was reached (a fresh check, or the last one when the fresh one hung). */
  basis: string;
}

/**
 * Checks that do not bear on a sysrq crash: sysrq `c` calls panic() itself, so the
 * panic_on_oops policy (an error by default in `check`) does not decide whether it is captured.
 */
const NOT_FOR_SYSRQ = new Set(['panic-on-oops']);

export function answerOf(report: ReadinessReport, basis: string): ReadinessAnswer {
  const failing = report.checks.filter(
    (c) =>
      c.severity === 'error' &&
      (c.status === 'fail' || c.status === 'unknown') &&
      !NOT_FOR_SYSRQ.has(c.id),
  );
  return {
    ready: failing.length === 0,
    reasons: failing.map((c) => `${c.id}: ${c.message}`.slice(0, 1024)),
    basis,
  };
}

/**
 * The agent's own readiness check (`kdumpfleet check --json`, libs/readiness) before the action
 * may crash the host. On a hung host the check itself may block on a stuck filesystem (it reads
 * config files and statfs's the dump target), so it runs in a child process with a deadline,
 * like the probes: a stuck check never ties up the watcher's own threads, and no second check
 * starts while one is still stuck. On the deadline the last answer taken while the host was
 * healthy counts, but only with a fresh look at /sys/kernel/kexec_crash_loaded (sysfs never
 * blocks) saying the capture kernel is loaded.
 */
export class ReadinessGate {
  private last: { report: ReadinessReport; atMs: number } | null = null;
  private stuck: ChildProcess | null = null;
  constructor(
    private readonly sysroot: string,
    private readonly deadlineMs: number,
    private readonly cli = AGENT_CLI,
    /** How old the last good report may be when the fresh check hangs. */
    private readonly maxAgeMs = 3_600_000,
  ) {}

  /** The report, or null when the check did not answer by the deadline (or is still stuck). */
  private fresh(): Promise<ReadinessReport | null> {
    if (this.stuck && this.stuck.exitCode === null && this.stuck.signalCode === null)
      return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [this.cli, 'check', '--json', '--root', this.sysroot], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        if (err.length < 2000) err += c;
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        child.stdout.destroy();
        child.stderr.destroy();
        child.unref();
        this.stuck = child;
        resolve(null);
      }, this.deadlineMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        // exit 0 ready, 1 not ready: both print the report; 2 is an error.
        if (code === 0 || code === 1) {
          try {
            resolve(JSON.parse(out) as ReadinessReport);
            return;
          } catch {
            // fall through
          }
        }
        reject(new Error(`kdumpfleet check exited ${code}: ${err.trim().split('\n').pop() ?? ''}`));
      });
    });
  }

  /** A check while the host is healthy, so a later hung check has something to fall back on. */
  async prime(): Promise<ReadinessAnswer | null> {
    const report = await this.fresh().catch(() => null);
    if (!report) return null;
    this.last = { report, atMs: Date.now() };
    return answerOf(report, `readiness check at ${report.snapshotAt}`);
  }

  async check(): Promise<ReadinessAnswer> {
    let report: ReadinessReport | null;
    try {
      report = await this.fresh();
    } catch (err) {
      return {
        ready: false,
        reasons: [`readiness check failed: ${(err as Error).message}`],
        basis: 'none',
      };
    }
    if (report) {
      this.last = { report, atMs: Date.now() };
      return answerOf(report, `readiness check at ${report.snapshotAt}`);
    }
    const hung = `the readiness check did not answer within ${this.deadlineMs / 1000} s`;
    if (!this.last || Date.now() - this.last.atMs > this.maxAgeMs)
      return { ready: false, reasons: [`${hung}, and no recent one to go by`], basis: 'none' };
    // Synchronous on purpose: a sysfs read never blocks, and it must not queue behind anything.
    let loaded: string;
    try {
      loaded = readFileSync(join(this.sysroot, 'sys/kernel/kexec_crash_loaded'), 'utf8').trim();
    } catch (err) {
      loaded = `unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
    const prev = answerOf(this.last.report, `${hung}; the check at ${this.last.report.snapshotAt}`);
    if (loaded !== '1')
      return {
        ...prev,
        ready: false,
        reasons: [...prev.reasons, `capture kernel not loaded now (kexec_crash_loaded ${loaded})`],
      };
    return { ...prev, basis: `${prev.basis} and kexec_crash_loaded=1 now` };
  }
}
