import { guestChecks, sawPanic, splitKernels, type GuestCheck } from './console.js';
import type { CrashScenario, GuestScenario } from './scenarios.js';

export interface CrashVerdict {
  ok: boolean;
  /** the oops kind a triage tool must report for this dump */
  kind: string;
  note?: string;
  /** report patterns the log did not match */
  missing: string[];
}

/** Does the dump's kernel log show the report this scenario must produce? */
export function verifyCrash(scenario: CrashScenario, log: string): CrashVerdict {
  const e = scenario.expect(log);
  const missing = e.report.filter((re) => !re.test(log)).map((re) => re.source);
  return { ok: missing.length === 0, kind: e.kind, ...(e.note ? { note: e.note } : {}), missing };
}

export interface GuestVerdict {
  ok: boolean;
  checks: GuestCheck[];
  /** expected checks that never reported */
  missing: string[];
  failed: GuestCheck[];
  /** the guest reached the end of its script */
  finished: boolean;
  panicked: boolean;
}

/** Hang and control runs: every expected check reported ok, the script finished, no panic. */
export function verifyGuest(scenarios: GuestScenario[], console: string): GuestVerdict {
  const checks = guestChecks(console);
  const seen = new Set(checks.map((c) => c.name));
  const missing = scenarios.flatMap((s) => s.checks).filter((n) => !seen.has(n));
  const failed = checks.filter((c) => !c.ok);
  const { first, capture } = splitKernels(console);
  const finished = /KDLAB: done/.test(console);
  const panicked = capture !== null || sawPanic(first);
  return {
    ok: missing.length === 0 && failed.length === 0 && finished && !panicked,
    checks,
    missing,
    failed,
    finished,
    panicked,
  };
}
