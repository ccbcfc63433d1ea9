import { z } from 'zod';

/** A bad NODE_* variable: one line naming it (the collector exits 2 at start). */
export class NodesConfigError extends Error {
  readonly code = 'NODES_CONFIG';
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'NodesConfigError';
  }
}

function durationMs(v: string): number | null {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(v.trim());
  if (!m) return null;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 's'];
}

const duration = (name: string) =>
  z
    .string()
    .transform((v, ctx) => {
      const ms = durationMs(v);
      if (ms === null || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `'${v}' is not a duration (90s, 30m, 2h, 1d)` });
        return z.NEVER;
      }
      return ms;
    })
    .describe(name);

const schema = z.object({
  NODE_STALE_AFTER: duration('NODE_STALE_AFTER').prefault('2h'),
  NODE_REPORT_HISTORY: z.coerce.number().int().min(1).max(100_000).default(500),
  NODE_REPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(2 * 1024 * 1024),
  DRILL_WINDOW_DEFAULT: duration('DRILL_WINDOW_DEFAULT').prefault('30m'),
  DRILL_WINDOW_MAX: duration('DRILL_WINDOW_MAX').prefault('1d'),
});

export interface NodesConfig {
  /** A node whose last report is older than this is flagged stale. */
  staleAfterMs: number;
  /** Reports kept per node (older ones are deleted as new ones arrive). */
  historyLimit: number;
  maxReportBytes: number;
  drillWindowDefaultMs: number;
  drillWindowMaxMs: number;
}

export function loadNodesConfig(env: NodeJS.ProcessEnv = process.env): NodesConfig {
  const r = schema.safeParse(env);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new NodesConfigError(String(issue.path[0] ?? 'NODE_*'), issue.message);
  }
  return {
    staleAfterMs: r.data.NODE_STALE_AFTER,
    historyLimit: r.data.NODE_REPORT_HISTORY,
    maxReportBytes: r.data.NODE_REPORT_MAX_BYTES,
    drillWindowDefaultMs: r.data.DRILL_WINDOW_DEFAULT,
    drillWindowMaxMs: r.data.DRILL_WINDOW_MAX,
  };
}
