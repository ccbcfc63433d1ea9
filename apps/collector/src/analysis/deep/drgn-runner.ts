import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crashSummarySchema, type CrashSummary } from '@kdumpfleet/contracts';
import { readBounded } from './bounded-output.js';
import type { CrashOutput } from './crash-runner.js';
import { DRGN_SUMMARY_SCRIPT } from './drgn-summary-script.js';
import { lastMeaningfulLine, runTool } from './run-tool.js';

export const DRGN_RESULTS = [
  'drgn-sys.txt',
  'drgn-bt.txt',
  'drgn-ps.txt',
  'drgn-log.txt',
  'drgn-mod.txt',
  'drgn-foreach-un-bt.txt',
] as const;

export type DrgnRunResult =
  | { ok: true; outputs: CrashOutput[]; summary: CrashSummary; ms: number }
  | { ok: false; reason: string; ms: number };

/** Runs the repo's drgn script (see drgn-summary-script.ts) on a local dump with its vmlinux. */
export async function runDrgn(opts: {
  python: string;
  vmlinux: string;
  dump: string;
  workDir: string;
  timeoutMs: number;
  outputMaxBytes: number;
  signal?: AbortSignal;
}): Promise<DrgnRunResult> {
  const script = join(opts.workDir, 'drgn_summary.py');
  await writeFile(script, DRGN_SUMMARY_SCRIPT);
  const run = await runTool(opts.python, [script, opts.vmlinux, opts.dump, opts.workDir], {
    timeoutMs: opts.timeoutMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
    cwd: opts.workDir,
  });
  if (run.spawnError)
    return {
      ok: false,
      reason: `drgn not runnable (${opts.python}): ${run.spawnError}`,
      ms: run.ms,
    };
  if (run.timedOut)
    return { ok: false, reason: `drgn timed out after ${opts.timeoutMs} ms`, ms: run.ms };
  if (run.code !== 0) {
    const why = /No module named '?drgn/.test(run.output)
      ? 'python3-drgn is not installed'
      : lastMeaningfulLine(run.output);
    return {
      ok: false,
      reason: `drgn failed (exit ${run.code ?? run.signal}): ${why}`,
      ms: run.ms,
    };
  }
  let summary: CrashSummary;
  try {
    summary = crashSummarySchema.parse(
      JSON.parse(await readFile(join(opts.workDir, 'summary.json'), 'utf8')),
    );
  } catch (e) {
    return {
      ok: false,
      reason: `drgn wrote no usable summary: ${(e as Error).message.split('\n')[0]}`,
      ms: run.ms,
    };
  }
  const outputs: CrashOutput[] = [];
  for (const name of DRGN_RESULTS) {
    const got = await readBounded(join(opts.workDir, name), opts.outputMaxBytes);
    if (got) outputs.push({ name, ...got });
  }
  return { ok: true, outputs, summary, ms: run.ms };
}
