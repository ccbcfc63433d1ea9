import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnalysisTool, CrashSummary } from '@kdumpfleet/contracts';
import {
  DebuginfoNotFoundError,
  type DebuginfoFinder,
  type FoundDebuginfo,
} from '@kdumpfleet/debuginfo';
import type { Logger } from 'pino';
import type { DumpsRepository } from '../../dumps/dumps.repository.js';
import type { CollectorObjectStore } from '../../storage/object-store.js';
import type { AnalysisConfig } from '../analysis-config.js';
import type { DumpAnalysisRepository } from '../db/dump-analysis.repository.js';
import { AnalysisStepError } from '../queue/analysis-job.js';
import type { AnalysisResults } from '../results/analysis-results.js';
import { materializeDump } from '../triage/materialize-dump.js';
import { runCrash } from './crash-runner.js';
import { crashSummary } from './crash-summary.js';
import { runDrgn } from './drgn-runner.js';

export type DeepOutcome =
  | { state: 'analyzed'; tool: AnalysisTool; reason: string | null; debuginfo: FoundDebuginfo }
  | { state: 'no-debuginfo'; reason: string }
  | { state: 'analysis-failed'; reason: string; debuginfo: FoundDebuginfo };

async function readText(
  results: AnalysisResults,
  dumpId: string,
  name: string,
): Promise<string | null> {
  const row = await results.find(dumpId, name);
  if (!row) return null;
  const chunks: Buffer[] = [];
  for await (const c of (await results.open(row.storage_key)) as AsyncIterable<Buffer>)
    chunks.push(c);
  return Buffer.concat(chunks).toString('latin1');
}

/**
 * Deep analysis: debuginfo by build-id (then release), the dump copied to a local plain file,
 * crash(8) in batch mode for sys/bt/bt -a/ps/log/mod/kmem -i/foreach UN bt plus summary.json;
 * where crash cannot open the dump, the repo's drgn script. No debuginfo or neither tool working
 * is an outcome with its reason, not an error: the triage results stand either way.
 */
export class DeepStep {
  constructor(
    private readonly store: CollectorObjectStore,
    private readonly dumps: DumpsRepository,
    private readonly analysis: DumpAnalysisRepository,
    private readonly results: AnalysisResults,
    private readonly finder: DebuginfoFinder,
    private readonly cfg: AnalysisConfig,
    private readonly log: Logger,
  ) {}

  async run(dumpId: string, signal: AbortSignal): Promise<DeepOutcome> {
    const dump = await this.dumps.byId(dumpId);
    const row = await this.analysis.row(dumpId);
    if (!dump || dump.storageKey === null || !row)
      throw new AnalysisStepError('DUMP_GONE', `dump ${dumpId} no longer exists`, true);

    let debuginfo: FoundDebuginfo;
    try {
      debuginfo = await this.finder.find({ buildId: row.build_id, release: row.kernel_release });
    } catch (e) {
      if (e instanceof DebuginfoNotFoundError) {
        const tried = e.tried.length ? ` (passed over: ${e.tried.slice(0, 5).join('; ')})` : '';
        return { state: 'no-debuginfo', reason: `${e.message}${tried}` };
      }
      throw e;
    }
    signal.throwIfAborted();

    const local = await materializeDump(this.store, dump.storageKey, this.cfg.tmpDir, signal);
    const workDir = await mkdtemp(join(this.cfg.tmpDir, 'kdumpfleet-deep-'));
    try {
      const tool = {
        vmlinux: debuginfo.path,
        dump: local.path,
        workDir,
        timeoutMs: this.cfg.timeoutMs,
        outputMaxBytes: this.cfg.outputMaxBytes,
        signal,
      };
      const crash = await runCrash({ crashBin: this.cfg.crashBin, ...tool });
      signal.throwIfAborted();
      if (crash.ok) {
        const texts = new Map(crash.outputs.map((o) => [o.name, o.bytes.toString('latin1')]));
        for (const o of crash.outputs)
          await this.results.put(dumpId, o.name, o.bytes, { truncated: o.truncated });
        const summary = crashSummary(
          texts,
          await readText(this.results, dumpId, 'dmesg.txt'),
          crash.warnings,
        );
        await this.putSummary(dumpId, summary);
        this.log.info({ dumpId, ms: Math.round(crash.ms), tool: 'crash' }, 'dump analyzed');
        return { state: 'analyzed', tool: 'crash', reason: null, debuginfo };
      }
      this.log.info({ dumpId, reason: crash.reason }, 'crash(8) failed; trying drgn');
      const drgn = await runDrgn({ python: this.cfg.drgnPython, ...tool });
      signal.throwIfAborted();
      if (drgn.ok) {
        for (const o of drgn.outputs)
          await this.results.put(dumpId, o.name, o.bytes, { truncated: o.truncated });
        await this.putSummary(dumpId, drgn.summary);
        this.log.info({ dumpId, ms: Math.round(drgn.ms), tool: 'drgn' }, 'dump analyzed');
        return {
          state: 'analyzed',
          tool: 'drgn',
          reason: `${crash.reason}; drgn used instead`,
          debuginfo,
        };
      }
      return { state: 'analysis-failed', reason: `${crash.reason}; ${drgn.reason}`, debuginfo };
    } finally {
      await rm(workDir, { recursive: true, force: true });
      await local.remove();
    }
  }

  private async putSummary(dumpId: string, summary: CrashSummary): Promise<void> {
    await this.results.put(dumpId, 'summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  }
}
