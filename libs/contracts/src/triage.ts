import { z } from 'zod';

/**
 * The triage result of one vmcore: what `kdumpfleet triage FILE --json` prints and what the
 * collector stores per dump. Fields beyond the documented core (rip, hardware, modules, section,
 * file, warnings) are additions; nothing of the core shape may change.
 */

export const TRIAGE_CONTAINERS = ['none', 'flattened', 'zstd', 'zstd-seekable'] as const;
export const TRIAGE_FORMATS = ['kdump-compressed', 'elf'] as const;
export const TRIAGE_COMPRESSIONS = ['none', 'zlib', 'lzo', 'snappy', 'zstd'] as const;
/** The oops kinds of ../shared/fixtures/README.md; @kdumpfleet/oops has one table entry each. */
export const TRIAGE_OOPS_KINDS = [
  'null-deref',
  'page-fault',
  'gpf',
  'bug',
  'warning',
  'panic',
  'soft-lockup',
  'hard-lockup',
  'hung-task',
  'rcu-stall',
  'list-corruption',
  'oom',
  'divide-error',
  'sysrq',
] as const;
export const TRIAGE_FRAME_SECTIONS = ['IRQ', 'SOFTIRQ', 'NMI', 'TASK', 'EOE'] as const;

const hex = z.string().regex(/^0x[0-9a-f]+$/);

export const triageFrameSchema = z.object({
  symbol: z.string(),
  offset: hex,
  size: hex,
  module: z.string().nullable(),
  /** false for `? ` frames (the unwinder could not prove it is a return address) */
  reliable: z.boolean(),
  /** the `<IRQ>`/`<TASK>`/… section it was printed in */
  section: z.enum(TRIAGE_FRAME_SECTIONS).nullable(),
});
export type TriageFrame = z.infer<typeof triageFrameSchema>;

export const triageOopsSchema = z.object({
  kind: z.enum(TRIAGE_OOPS_KINDS),
  title: z.string(),
  /** null when the report is cut short before any non-machinery frame */
  culprit: z.object({ symbol: z.string(), module: z.string().nullable() }).nullable(),
  ripSymbol: z.string().nullable(),
  rip: z
    .object({
      symbol: z.string().nullable(),
      offset: hex.nullable(),
      size: hex.nullable(),
      module: z.string().nullable(),
    })
    .nullable(),
  /** null when the report does not say (a hung-task report names only the task) */
  cpu: z.number().int().nonnegative().nullable(),
  pid: z.number().int().nonnegative().nullable(),
  comm: z.string().nullable(),
  /** null when the report prints no taint line */
  taint: z.object({ raw: z.string(), flags: z.array(z.string()) }).nullable(),
  hardware: z.string().nullable(),
  modules: z.array(z.string()),
  frames: z.array(triageFrameSchema),
});
export type TriageOops = z.infer<typeof triageOopsSchema>;

/** ISO-8601 UTC at one-second resolution, e.g. 2026-11-23T08:41:57Z. */
export const triageTimeSchema = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

export const triageResultSchema = z.object({
  container: z.enum(TRIAGE_CONTAINERS),
  format: z.enum(TRIAGE_FORMATS),
  compression: z.enum(TRIAGE_COMPRESSIONS),
  incomplete: z.boolean(),
  kernel: z.object({
    release: z.string(),
    version: z.string(),
    machine: z.string(),
    buildId: z
      .string()
      .regex(/^[0-9a-f]+$/)
      .nullable(),
  }),
  crashTime: triageTimeSchema.nullable(),
  panic: z.object({ message: z.string().nullable() }),
  oops: triageOopsSchema.nullable(),
  /** bucket key (see @kdumpfleet/oops); null when the log shows no report */
  signature: z.string().nullable(),
  dmesg: z.object({ lines: z.number().int().nonnegative() }),
  /**
   * ms: the triage call (open, log, parse); bytesRead: bytes read from the input (for a plain .zst
   * the whole compressed file plus reads of the decompressed copy); unwrapMs: time spent
   * decompressing a plain .zst to a temp file first, when that was needed.
   */
  timings: z.object({
    ms: z.number().nonnegative(),
    bytesRead: z.number().int().nonnegative(),
    unwrapMs: z.number().nonnegative().optional(),
  }),
  /** non-fatal problems met on the way (unreadable log, clamped counts, …) */
  warnings: z.array(z.string()),
});
export type TriageResult = z.infer<typeof triageResultSchema>;
