import { z } from 'zod';

/**
 * `kdumpfleet watch`: one round of liveness probes. The agent prints it (`--json`) and POSTs it
 * as a heartbeat to `POST /api/v1/nodes/:node/heartbeat`; the collector validates it with this
 * schema. `alive`: every probe answered within its deadline. `undead`: the host answers ping but
 * at least one subsystem is stuck (named in `stuck`, evidence per probe). `dead` is never sent:
 * the collector concludes it when heartbeats stop.
 */
export const WATCH_SCHEMA = 'kdumpfleet.watch/v1';

export const watchProbeNames = [
  'tcp-accept',
  'process-table',
  'block-io',
  'rtnl',
  'scheduling',
  'hung-tasks',
] as const;
export const watchProbeNameSchema = z.enum(watchProbeNames);
export type WatchProbeName = z.infer<typeof watchProbeNameSchema>;

/** ok: answered in time. stuck: deadline passed or a hang was seen. error: failed fast (e.g. refused). */
export const watchProbeStatusSchema = z.enum(['ok', 'stuck', 'error']);
export type WatchProbeStatus = z.infer<typeof watchProbeStatusSchema>;

export const watchProbeResultSchema = z.object({
  probe: watchProbeNameSchema,
  status: watchProbeStatusSchema,
  elapsedMs: z.number().nonnegative(),
  /** What the probe was doing (a pid, a device, a mount, host:port) when the deadline hit. */
  stuckAt: z.string().max(4096).nullable(),
  /** Human-readable facts: what answered, what blocked, kernel stacks of hung tasks. */
  evidence: z.array(z.string().max(8192)).max(200),
});
export type WatchProbeResult = z.infer<typeof watchProbeResultSchema>;

export const watchCostSchema = z.object({
  cpuUserMs: z.number().nonnegative(),
  cpuSystemMs: z.number().nonnegative(),
  rssBytes: z.number().int().nonnegative(),
  /** Probe children killed on deadline that have not exited yet (a child in D state lingers). */
  lingeringChildren: z.number().int().nonnegative(),
});
export type WatchCost = z.infer<typeof watchCostSchema>;

export const watchVerdictSchema = z.object({
  schema: z.literal(WATCH_SCHEMA),
  node: z.string().max(253),
  at: z.iso.datetime({ offset: true }),
  verdict: z.enum(['alive', 'undead']),
  /** The probes that are stuck (empty when alive). */
  stuck: z.array(watchProbeNameSchema),
  intervalSeconds: z.number().positive(),
  deadlineSeconds: z.number().positive(),
  probes: z.array(watchProbeResultSchema).max(32),
  cost: watchCostSchema,
});
export type WatchVerdict = z.infer<typeof watchVerdictSchema>;

/** What the collector concludes for a node: `dead` = heartbeats stopped; `unknown` = never sent. */
export const nodeLivenessSchema = z.enum(['alive', 'undead', 'dead', 'unknown']);
export type NodeLiveness = z.infer<typeof nodeLivenessSchema>;
