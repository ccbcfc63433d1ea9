import { join, resolve } from 'node:path';
import { z } from 'zod';
import { byteSizeSchema, durationMsSchema } from '@kdumpfleet/contracts';
import { parseDebuginfoDirs, parseDebuginfodUrls } from '@kdumpfleet/debuginfo';
import { ConfigError } from '../config/environment.js';

/**
 * Environment variables of the analysis part (README.md beside this file lists them). Kept in
 * its own schema so the collector's loader can merge it (`environmentSchema.extend(
 * analysisEnvironmentSchema.shape)`); until then `loadAnalysisConfig` validates it at start.
 */
export const analysisEnvironmentSchema = z.object({
  ANALYSIS_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(1),
  ANALYSIS_LEASE: durationMsSchema.default(60_000),
  ANALYSIS_POLL_INTERVAL: durationMsSchema.default(1_000),
  ANALYSIS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  ANALYSIS_BACKOFF: durationMsSchema.default(30_000),
  ANALYSIS_TIMEOUT: durationMsSchema.default(15 * 60_000),
  ANALYSIS_OUTPUT_MAX: byteSizeSchema.default(16 * 1024 * 1024),
  ANALYSIS_DEEP: z.enum(['on', 'off']).default('on'),
  DEBUGINFO_DIRS: z.string().optional(),
  DEBUGINFOD_URLS: z.string().optional(),
  DEBUGINFO_CACHE_DIR: z.string().optional(),
  DEBUGINFO_CACHE_MAX: byteSizeSchema.default(8 * 1024 ** 3),
  CRASH_BIN: z.string().min(1).default('crash'),
  DRGN_PYTHON: z.string().min(1).default('/usr/bin/python3'),
});

export interface AnalysisConfig {
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number;
  outputMaxBytes: number;
  deep: boolean;
  debuginfoDirs: string[];
  debuginfodUrls: string[];
  debuginfoCacheDir: string;
  debuginfoCacheMaxBytes: number;
  crashBin: string;
  drgnPython: string;
  dataDir: string;
  tmpDir: string;
}

export function loadAnalysisConfig(
  base: { dataDir: string; tmpDir: string },
  env: NodeJS.ProcessEnv = process.env,
): AnalysisConfig {
  const raw = Object.fromEntries(
    Object.entries(env).filter(
      ([k, v]) => v !== undefined && v !== '' && k in analysisEnvironmentSchema.shape,
    ),
  ) as Record<string, string>;
  const parsed = analysisEnvironmentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const e = parsed.data;
  return {
    concurrency: e.ANALYSIS_CONCURRENCY,
    leaseMs: e.ANALYSIS_LEASE,
    pollMs: e.ANALYSIS_POLL_INTERVAL,
    maxAttempts: e.ANALYSIS_MAX_ATTEMPTS,
    backoffMs: e.ANALYSIS_BACKOFF,
    timeoutMs: e.ANALYSIS_TIMEOUT,
    outputMaxBytes: e.ANALYSIS_OUTPUT_MAX,
    deep: e.ANALYSIS_DEEP === 'on',
    debuginfoDirs: parseDebuginfoDirs(e.DEBUGINFO_DIRS).map((d) => resolve(d)),
    debuginfodUrls: parseDebuginfodUrls(e.DEBUGINFOD_URLS),
    debuginfoCacheDir: resolve(e.DEBUGINFO_CACHE_DIR ?? join(base.dataDir, 'debuginfo-cache')),
    debuginfoCacheMaxBytes: e.DEBUGINFO_CACHE_MAX,
    crashBin: e.CRASH_BIN,
    drgnPython: e.DRGN_PYTHON,
    dataDir: base.dataDir,
    tmpDir: base.tmpDir,
  };
}
