import type {
  READINESS_REPORT_SCHEMA,
  ReadinessCheck,
  ReadinessFinding,
  ReadinessReport,
  ReadinessSeverity,
} from '@kdumpfleet/contracts';
import { formatSize } from '../crashkernel/size.js';
import { deriveHostFacts } from '../rules/host-facts.js';
import {
  DEFAULT_POLICY,
  type ReadinessPolicy,
  type Rule,
  type RuleOutcome,
} from '../rules/rule.js';
import { RULES } from '../rules/table.js';
import type { HostSnapshot } from '../snapshot/host-snapshot.js';

/**
 * Runs every rule on a snapshot. A host is ready when no check of severity `error` failed or
 * stayed unknown: only a capture we can vouch for counts. A rule that throws (a bug, never
 * the host's fault) becomes an `unknown` check naming the error instead of a crash.
 */
export function evaluateReadiness(
  snap: HostSnapshot,
  policy: Partial<ReadinessPolicy> = {},
  rules: readonly Rule[] = RULES,
): ReadinessReport {
  const pol = { ...DEFAULT_POLICY, ...policy };
  const facts = deriveHostFacts(snap);
  const checks: ReadinessCheck[] = rules.map((rule) => {
    let out: RuleOutcome;
    try {
      out = rule.evaluate({ snap, facts, policy: pol });
    } catch (err) {
      out = { status: 'unknown', message: `check failed: ${(err as Error).message}`, evidence: [] };
    }
    const severity: ReadinessSeverity =
      out.status === 'warn' ? 'warning' : (out.severity ?? rule.severity);
    return {
      id: rule.id,
      title: rule.title,
      status: out.status,
      severity,
      message: out.message,
      evidence: out.evidence,
      remediation:
        out.status === 'pass' || out.status === 'skip' ? '' : (out.remediation ?? rule.remediation),
    };
  });
  const findings: ReadinessFinding[] = checks
    .filter((c) => c.status === 'fail' || c.status === 'warn' || c.status === 'unknown')
    .map(({ id, severity, status, message, remediation }) => ({
      id,
      severity,
      status,
      message,
      remediation,
    }));
  const ready = !checks.some(
    (c) => c.severity === 'error' && (c.status === 'fail' || c.status === 'unknown'),
  );
  const os = snap.osRelease.value;
  return {
    // Type-checked against the contract's literal; importing the value would load zod into
    // every `kdumpfleet check` (half its start-up time) for one string.
    schema: 'kdumpfleet.readiness/v1' satisfies typeof READINESS_REPORT_SCHEMA,
    host: {
      hostname: snap.hostname.value,
      machineId: snap.machineId.value,
      arch: snap.arch.value,
      distro: os ? (os.PRETTY_NAME ?? os.ID ?? null) : null,
    },
    kernelRelease: snap.release.value,
    sysroot: snap.sysroot,
    snapshotAt: snap.takenAt,
    ready,
    verdict: ready ? 'ready' : 'not-ready',
    checks,
    findings,
    crashkernel: {
      requested: facts.crashkernelArgs,
      reservedBytes: facts.reservedBytes,
      current:
        facts.reservedBytes === null
          ? 'unknown'
          : facts.reservedBytes === 0
            ? 'none'
            : formatSize(facts.reservedBytes),
      recommended: facts.sizing.recommended,
      recommendedBytes: facts.sizing.recommendedBytes,
      neededBytes: facts.sizing.neededBytes,
      sufficient: facts.fadumpActive
        ? true
        : facts.reservedBytes === null
          ? null
          : facts.reservedBytes >= facts.sizing.neededBytes,
      explanation: facts.sizing.explanation,
    },
    problems: snap.problems,
  };
}
