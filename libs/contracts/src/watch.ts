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
  /**
   * The bound on probe children alive at once: one per probe, since a probe whose killed child
   * still lingers gets no new child until it exits (absent from older agents).
   */
  maxChildren: z.number().int().nonnegative().optional(),
});
export type WatchCost = z.infer<typeof watchCostSchema>;

/**
 * The opt-in action (agent.json `watch.action`, `watch --action`): `report` only reports (state
 * `off`); `crash` sysrq-crashes the host once it has been undead for `crashAfterSeconds`, so kdump
 * captures the hang. `armed`: crash mode, not (yet) undead long enough; `refused`: due, but kdump
 * is not ready (the reasons say why; the host is never crashed then); `fired`: the evidence went
 * to /dev/kmsg and `c` to /proc/sysrq-trigger (the last heartbeat a node sends).
 */
export const watchActionStateSchema = z.enum(['off', 'armed', 'refused', 'fired']);
export type WatchActionState = z.infer<typeof watchActionStateSchema>;

export const watchActionSchema = z.object({
  mode: z.enum(['report', 'crash']),
  state: watchActionStateSchema,
  crashAfterSeconds: z.number().positive().nullable(),
  /** First round of the current undead streak as the agent saw it (null when alive). */
  undeadSince: z.iso.datetime({ offset: true }).nullable(),
  /** One line for people: counting down, why refused, what fired. */
  detail: z.string().max(4096),
  /** Refused: the readiness checks that failed (`id: message`). */
  reasons: z.array(z.string().max(1024)).max(50),
});
export type WatchAction = z.infer<typeof watchActionSchema>;

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
  /** Absent from agents older than the action (and treated as `off`). */
  action: watchActionSchema.optional(),
});
export type WatchVerdict = z.infer<typeof watchVerdictSchema>;

/** What the collector concludes for a node: `dead` = heartbeats stopped; `unknown` = never sent. */
export const nodeLivenessSchema = z.enum(['alive', 'undead', 'dead', 'unknown']);
export type NodeLiveness = z.infer<typeof nodeLivenessSchema>;
