import type { DumpAnalysis } from '@kdumpfleet/contracts';
import { DebuginfoFinder } from '@kdumpfleet/debuginfo';
import type { Logger } from 'pino';
import type { CollectorDb } from '../db/database.js';
import { DumpsRepository } from '../dumps/dumps.repository.js';
import type { CollectorObjectStore } from '../storage/object-store.js';
import { loadAnalysisConfig, type AnalysisConfig } from './analysis-config.js';
import { AnalysisRunner } from './analysis-runner.js';
import { BucketsRepository } from './buckets/buckets.repository.js';
import { withAnalysisTables } from './db/analysis-schema.js';
import { DumpAnalysisRepository } from './db/dump-analysis.repository.js';
import { DeepStep } from './deep/deep-step.js';
import { removeStaleTempDirs } from './deep/stale-temp.js';
import { AnalysisJobQueue } from './queue/job-queue.js';
import { AnalysisWorkerPool } from './queue/worker-pool.js';
import { AnalysisResults } from './results/analysis-results.js';
import { TriageStep } from './triage/triage-step.js';

export interface AnalysisDeps {
  db: CollectorDb;
  store: CollectorObjectStore;
  logger: Logger;
  dataDir: string;
  tmpDir: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Everything analysis runs on, built once from validated configuration: the queue, the steps,
 * the worker pool and the repositories the API reads. The same object serves `collector serve`
 * (pool inside the API process) and `collector worker` (pool alone).
 */
export class AnalysisService {
  readonly config: AnalysisConfig;
  readonly queue: AnalysisJobQueue;
  readonly analysis: DumpAnalysisRepository;
  readonly results: AnalysisResults;
  readonly buckets: BucketsRepository;
  readonly runner: AnalysisRunner;
  readonly pool: AnalysisWorkerPool;
  private sweeper: NodeJS.Timeout | null = null;
  /** a job's own limit: the tool timeout (crash, then drgn) plus time to fetch and copy */
  readonly jobTimeoutMs: number;
  private readonly log: Logger;

  constructor(deps: AnalysisDeps) {
    this.config = loadAnalysisConfig({ dataDir: deps.dataDir, tmpDir: deps.tmpDir }, deps.env);
    this.log = deps.logger.child({ part: 'analysis' });
    const db = withAnalysisTables(deps.db);
    const dumps = new DumpsRepository(deps.db);
    const cfg = this.config;
    this.jobTimeoutMs = cfg.timeoutMs * 2 + 60_000;
    this.queue = new AnalysisJobQueue(db, {
      maxAttempts: cfg.maxAttempts,
      backoffMs: cfg.backoffMs,
    });
    this.analysis = new DumpAnalysisRepository(db);
    this.results = new AnalysisResults(db, deps.store);
    this.buckets = new BucketsRepository(db);
    const triage = new TriageStep(
      deps.store,
      dumps,
      this.analysis,
      this.results,
      this.buckets,
      cfg.tmpDir,
      this.log,
    );
    const finder = new DebuginfoFinder({
      dirs: cfg.debuginfoDirs,
      urls: cfg.debuginfodUrls,
      cacheDir: cfg.debuginfoCacheDir,
      cacheMaxBytes: cfg.debuginfoCacheMaxBytes,
    });
    const deep = cfg.deep
      ? new DeepStep(deps.store, dumps, this.analysis, this.results, finder, cfg, this.log)
      : null;
    let pool: AnalysisWorkerPool | null = null;
    this.runner = new AnalysisRunner(this.queue, this.analysis, triage, deep, this.log, () =>
      pool?.notify(),
    );
    pool = new AnalysisWorkerPool(
      this.queue,
      this.runner.run,
      {
        concurrency: cfg.concurrency,
        leaseMs: cfg.leaseMs,
        pollMs: cfg.pollMs,
        jobTimeoutMs: this.jobTimeoutMs,
      },
      this.log,
    );
    this.pool = pool;
  }

  /**
   * Enqueues verified dumps that have no analysis yet, and removes the analysis of deleted ones. Runs at start and then every poll, so a
   * dump is analysed even if the process died between recording it and enqueueing it, and a
   * collector started with ANALYSIS_CONCURRENCY=0 still feeds separate workers.
   */
  async sweep(): Promise<number> {
    let n = 0;
    for (const id of await this.analysis.receivedWithoutAnalysis()) {
      if (await this.analysis.ensure(id)) {
        await this.queue.enqueue(id, 'triage');
        n++;
      }
    }
    if (n > 0) this.pool.notify();
    // a deleted dump's results and analysis go too (its bucket then counts one dump less)
    for (const id of await this.analysis.orphans()) {
      await this.results.deleteObjects(id);
      await this.analysis.forget(id);
    }
    return n;
  }

  /** A dump's analysis with its result list, or null before it was queued (for GET /dumps/:id). */
  async analysisOf(dumpId: string): Promise<DumpAnalysis | null> {
    return this.analysis.byDumpId(dumpId, await this.results.list(dumpId));
  }

  /** Called when an upload has just been verified (the collector's ingest hook). */
  async dumpReceived(dumpId: string): Promise<void> {
    try {
      await this.runner.enqueue(dumpId);
    } catch (err) {
      // the sweep picks it up later; an upload must not fail because analysis is busy
      this.log.warn({ err: String(err), dumpId }, 'could not enqueue analysis now');
    }
  }

  start(opts: { workers: boolean }): void {
    const tick = () => {
      this.sweep().catch((err: unknown) =>
        this.log.warn({ err: String(err) }, 'analysis sweep failed'),
      );
    };
    tick();
    this.sweeper = setInterval(tick, this.config.pollMs);
    this.sweeper.unref();
    if (opts.workers && this.config.concurrency > 0) {
      // dump copies of workers killed mid-job: older than any job may run, so not live
      removeStaleTempDirs(this.config.tmpDir, this.jobTimeoutMs)
        .then((n) => n > 0 && this.log.info({ removed: n }, 'removed stale analysis temp dirs'))
        .catch((err: unknown) => this.log.warn({ err: String(err) }, 'temp cleanup failed'));
      this.pool.start();
    }
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await this.pool.stop();
  }
}
