import { z } from 'zod';

/**
 * The readiness report: what `kdumpfleet check --json` prints and what the collector accepts at
 * `POST /api/v1/nodes/:node/readiness` (also `/report`). One report is one look at one host.
 */
export const READINESS_REPORT_SCHEMA = 'kdumpfleet.readiness/v1' as const;

/** How bad a failed check is. Only `error` findings make a host not ready. */
export const READINESS_SEVERITIES = ['error', 'warning', 'info'] as const;
export type ReadinessSeverity = (typeof READINESS_SEVERITIES)[number];

/**
 * Outcome of one check. `fail`: the problem is there; `warn`: a weaker form of it (reported as a
 * warning whatever the check's severity); `unknown`: the host did not tell us (file missing,
 * unreadable, garbage); `skip`: the check does not apply to this host (fadump on x86, a remote
 * dump target's free space).
 */
export const CHECK_STATUSES = ['pass', 'fail', 'warn', 'unknown', 'skip'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const readinessCheckSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string(),
  status: z.enum(CHECK_STATUSES),
  severity: z.enum(READINESS_SEVERITIES),
  /** One line: what is wrong (or right) on this host. */
  message: z.string(),
  /** The facts read from the host that led to the status, each naming its source. */
  evidence: z.array(z.string()),
  /** A command or an edit that fixes it; empty when there is nothing to do. */
  remediation: z.string(),
});
export type ReadinessCheck = z.infer<typeof readinessCheckSchema>;

/** A check that did not pass: the short form the issue asks for. */
export const readinessFindingSchema = z.object({
  id: z.string(),
  severity: z.enum(READINESS_SEVERITIES),
  status: z.enum(CHECK_STATUSES),
  message: z.string(),
  remediation: z.string(),
});
export type ReadinessFinding = z.infer<typeof readinessFindingSchema>;

export const crashkernelReportSchema = z.object({
  /** `crashkernel=` arguments on the running kernel's command line, as written. */
  requested: z.array(z.string()),
  /** Bytes the kernel actually reserved (kexec_crash_size or /proc/iomem), null if unknown. */
  reservedBytes: z.number().int().nonnegative().nullable(),
  /** Human form of the current reservation, e.g. `256M` or `none`. */
  current: z.string(),
  /** What this host should pass, e.g. `crashkernel=384M`. */
  recommended: z.string(),
  recommendedBytes: z.number().int().nonnegative(),
  /** The least this host needs by the sizing formula; `sufficient` compares against it. */
  neededBytes: z.number().int().nonnegative(),
  /** Whether the current reservation is at least what this host needs; null when unknown. */
  sufficient: z.boolean().nullable(),
  /** How the recommendation was computed, one term per line. */
  explanation: z.array(z.string()),
});
export type CrashkernelReport = z.infer<typeof crashkernelReportSchema>;

export const snapshotProblemSchema = z.object({
  path: z.string(),
  state: z.enum(['missing', 'unreadable', 'garbage']),
  detail: z.string(),
});
export type SnapshotProblem = z.infer<typeof snapshotProblemSchema>;

export const readinessReportSchema = z.object({
  schema: z.literal(READINESS_REPORT_SCHEMA),
  host: z.object({
    hostname: z.string().nullable(),
    machineId: z.string().nullable(),
    arch: z.string().nullable(),
    distro: z.string().nullable(),
  }),
  kernelRelease: z.string().nullable(),
  /** The sysroot that was read (`/` for the running host). */
  sysroot: z.string(),
  /** ISO 8601 time the snapshot was taken. */
  snapshotAt: z.string(),
  ready: z.boolean(),
  verdict: z.enum(['ready', 'not-ready']),
  /** Every check that ran, in table order. */
  checks: z.array(readinessCheckSchema),
  /** The checks that did not pass or skip (the ones a human must look at). */
  findings: z.array(readinessFindingSchema),
  crashkernel: crashkernelReportSchema,
  /** Host files that were expected but missing, unreadable or garbage. */
  problems: z.array(snapshotProblemSchema),
});
export type ReadinessReport = z.infer<typeof readinessReportSchema>;
