import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReadinessReport } from '@kdumpfleet/contracts';
import { evaluateReadiness, readHostSnapshot } from '@kdumpfleet/readiness';
import { runToolVersion } from '../readiness/tool-versions.js';

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
 * The agent's own readiness check (libs/readiness, what `kdumpfleet check` says) before the
 * action may crash the host. On a hung host the check itself may block on a stuck filesystem
 * (it reads config files and statfs's the dump target): it gets a deadline, and then the last
 * answer taken while the host was healthy counts, but only with a fresh look at
 * /sys/kernel/kexec_crash_loaded (sysfs never blocks) saying the capture kernel is loaded.
 */
export class ReadinessGate {
  private last: { report: ReadinessReport; atMs: number } | null = null;
  constructor(
    private readonly sysroot: string,
    private readonly deadlineMs: number,
    /** How old the last good report may be when the fresh check hangs. */
    private readonly maxAgeMs = 3_600_000,
  ) {}

  private async fresh(): Promise<ReadinessReport | null> {
    let timer: NodeJS.Timeout | undefined;
    const check = readHostSnapshot(this.sysroot, { runVersion: runToolVersion }).then((s) =>
      evaluateReadiness(s),
    );
    check.catch(() => {}); // a late failure after the deadline is not unhandled
    try {
      return await Promise.race([
        check,
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), this.deadlineMs);
          timer.unref();
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
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
    const loaded = await readFile(join(this.sysroot, 'sys/kernel/kexec_crash_loaded'), 'utf8')
      .then((t) => t.trim())
      .catch((err: NodeJS.ErrnoException) => `unreadable (${err.code ?? err.message})`);
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
