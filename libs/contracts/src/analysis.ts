import { z } from 'zod';
import { TRIAGE_OOPS_KINDS } from './triage.js';

/**
 * Analysis of a stored dump, as the collector's API reports it.
 * `received` (queued for triage) → `triaging` → `triaged` (queued for deep analysis) →
 * `analyzing` → `analyzed`; or `triage-failed`, `analysis-failed`, `no-debuginfo`, each with a
 * reason. Triage results stand whatever happens to deep analysis.
 */
export const ANALYSIS_STATES = [
  'received',
  'triaging',
  'triaged',
  'analyzing',
  'analyzed',
  'triage-failed',
  'analysis-failed',
  'no-debuginfo',
] as const;
export type AnalysisState = (typeof ANALYSIS_STATES)[number];

export const ANALYSIS_TOOLS = ['crash', 'drgn'] as const;
export type AnalysisTool = (typeof ANALYSIS_TOOLS)[number];

const stepTimingSchema = z.object({
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  ms: z.number().nonnegative().nullable(),
  attempts: z.number().int().nonnegative(),
});
export type StepTiming = z.infer<typeof stepTimingSchema>;

export const analysisResultSchema = z.object({
  /** e.g. `triage.json`, `dmesg.txt`, `crash-sys.txt`, `summary.json` */
  name: z.string(),
  size: z.number().int().nonnegative(),
  contentType: z.string(),
  /** true when the tool's output was cut at the output cap */
  truncated: z.boolean(),
  createdAt: z.string(),
});
export type AnalysisResult = z.infer<typeof analysisResultSchema>;

export const dumpAnalysisSchema = z.object({
  dumpId: z.string(),
  state: z.enum(ANALYSIS_STATES),
  /** why the current state was reached when it is a failure (or a fallback note) */
  reason: z.string().nullable(),
  kernelRelease: z.string().nullable(),
  buildId: z.string().nullable(),
  crashTime: z.string().nullable(),
  kind: z.enum(TRIAGE_OOPS_KINDS).nullable(),
  title: z.string().nullable(),
  signature: z.string().nullable(),
  culprit: z.object({ symbol: z.string(), module: z.string().nullable() }).nullable(),
  bucketId: z.string().nullable(),
  /** which tool produced the deep results */
  tool: z.enum(ANALYSIS_TOOLS).nullable(),
  debuginfo: z
    .object({
      path: z.string(),
      via: z.string(),
      origin: z.string(),
      buildId: z.string().nullable(),
    })
    .nullable(),
  triage: stepTimingSchema,
  analysis: stepTimingSchema,
  results: z.array(analysisResultSchema),
  updatedAt: z.string(),
});
export type DumpAnalysis = z.infer<typeof dumpAnalysisSchema>;

export const bucketSchema = z.object({
  id: z.string(),
  signature: z.string(),
  title: z.string(),
  kind: z.enum(TRIAGE_OOPS_KINDS),
  culprit: z.object({ symbol: z.string(), module: z.string().nullable() }).nullable(),
  count: z.number().int().nonnegative(),
  /** earliest / latest crash time (upload time when a dump has none) */
  firstSeen: z.string(),
  lastSeen: z.string(),
  kernelReleases: z.array(z.string()),
  nodes: z.array(z.string()),
});
export type Bucket = z.infer<typeof bucketSchema>;

export const bucketListSchema = z.object({ items: z.array(bucketSchema) });
export type BucketList = z.infer<typeof bucketListSchema>;

export const bucketDumpSchema = z.object({
  id: z.string(),
  node: z.string(),
  kernelRelease: z.string().nullable(),
  crashTime: z.string().nullable(),
  state: z.enum(ANALYSIS_STATES),
  createdAt: z.string(),
});
export const bucketDetailSchema = bucketSchema.extend({ dumps: z.array(bucketDumpSchema) });
export type BucketDetail = z.infer<typeof bucketDetailSchema>;

/** The structured summary of a deep analysis (`summary.json`), from crash(8) or drgn output. */
export const crashSummarySchema = z.object({
  tool: z.enum(ANALYSIS_TOOLS),
  release: z.string().nullable(),
  panic: z.string().nullable(),
  panicTask: z
    .object({
      pid: z.number().int().nullable(),
      comm: z.string().nullable(),
      cpu: z.number().int().nullable(),
      frames: z.array(z.string()),
    })
    .nullable(),
  tasksByState: z.record(z.string(), z.number().int().nonnegative()),
  dStateTasks: z.array(
    z.object({ pid: z.number().int(), comm: z.string(), frames: z.array(z.string()) }),
  ),
  modules: z.array(z.object({ name: z.string(), taint: z.string().nullable() })),
  /** the tool's complaints worth knowing (e.g. crash's "not found in PID hash") */
  warnings: z.array(z.string()),
});
export type CrashSummary = z.infer<typeof crashSummarySchema>;
