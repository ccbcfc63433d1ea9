import type { CheckStatus, ReadinessSeverity } from '@kdumpfleet/contracts';
import type { HostSnapshot } from '../snapshot/host-snapshot.js';
import type { HostFacts } from './host-facts.js';

/** What a site wants beyond "a panic is captured": which failures must become panics. */
export interface ReadinessPolicy {
  /** An oops must panic (and so be dumped). Default true: most kernel crashes are oopses. */
  requirePanicOnOops: boolean;
  /** Soft lockups must panic. Default false: reported as a warning. */
  requireSoftlockupPanic: boolean;
  /** Hung tasks must panic. Default false: reported as a warning. */
  requireHungTaskPanic: boolean;
  /** OOM must panic. Default false: reported as info. */
  requirePanicOnOom: boolean;
}

export const DEFAULT_POLICY: ReadinessPolicy = {
  requirePanicOnOops: true,
  requireSoftlockupPanic: false,
  requireHungTaskPanic: false,
  requirePanicOnOom: false,
};

export interface RuleContext {
  snap: HostSnapshot;
  facts: HostFacts;
  policy: ReadinessPolicy;
}

export interface RuleOutcome {
  status: CheckStatus;
  message: string;
  evidence: string[];
  /** Overrides the rule's remediation when the fix depends on the host. */
  remediation?: string;
  /** Overrides the rule's severity for this host (e.g. panic_on_oops under a lax policy). */
  severity?: ReadinessSeverity;
}

export interface Rule {
  id: string;
  title: string;
  /** Severity of a `fail`. `warn` outcomes are warnings whatever this says. */
  severity: ReadinessSeverity;
  remediation: string;
  evaluate(ctx: RuleContext): RuleOutcome;
}

export const pass = (message: string, evidence: string[]): RuleOutcome => ({
  status: 'pass',
  message,
  evidence,
});
export const fail = (message: string, evidence: string[], remediation?: string): RuleOutcome => ({
  status: 'fail',
  message,
  evidence,
  ...(remediation ? { remediation } : {}),
});
export const warn = (message: string, evidence: string[], remediation?: string): RuleOutcome => ({
  status: 'warn',
  message,
  evidence,
  ...(remediation ? { remediation } : {}),
});
export const unknown = (message: string, evidence: string[]): RuleOutcome => ({
  status: 'unknown',
  message,
  evidence,
});
export const skip = (message: string, evidence: string[] = []): RuleOutcome => ({
  status: 'skip',
  message,
  evidence,
});
