import type { Logger } from 'pino';
import type { DumpAnalysisRepository } from './db/dump-analysis.repository.js';
import type { DeepStep } from './deep/deep-step.js';
import { AnalysisStepError, type ClaimedJob } from './queue/analysis-job.js';
import type { AnalysisJobQueue } from './queue/job-queue.js';
import type { TriageStep } from './triage/triage-step.js';

function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.trim() || 'unknown error';
}

const now = () => new Date().toISOString();

/**
 * Runs claimed jobs through their step and keeps the dump's analysis state in step with the
 * queue: triage `received → triaging → triaged` (then a deep job), deep `analyzing → analyzed |
 * no-debuginfo | analysis-failed`; failures retried with backoff up to the attempt limit.
 */
export class AnalysisRunner {
  constructor(
    private readonly queue: AnalysisJobQueue,
    private readonly analysis: DumpAnalysisRepository,
    private readonly triage: TriageStep,
    private readonly deep: DeepStep | null,
    private readonly log: Logger,
    private readonly notify: () => void = () => undefined,
  ) {}

  /** Queues a dump's triage (new dump, or re-analysis on demand). Returns the job id. */
  async enqueue(dumpId: string, opts: { reset?: boolean } = {}): Promise<string> {
    const created = await this.analysis.ensure(dumpId);
    if (!created && opts.reset)
      await this.analysis.update(dumpId, { state: 'received', reason: null });
    const id = await this.queue.enqueue(dumpId, 'triage');
    this.notify();
    return id;
  }

  readonly run = async (job: ClaimedJob, signal: AbortSignal): Promise<void> => {
    if (job.step === 'triage') await this.runTriage(job, signal);
    else await this.runDeep(job, signal);
  };

  private async runTriage(job: ClaimedJob, signal: AbortSignal): Promise<void> {
    await this.analysis.ensure(job.dumpId);
    if (job.exhausted) {
      await this.analysis.update(job.dumpId, { state: 'triage-failed', reason: job.lastError });
      return;
    }
    const started = performance.now();
    await this.analysis.update(job.dumpId, {
      state: 'triaging',
      reason: null,
      triage_started_at: now(),
      triage_finished_at: null,
      triage_ms: null,
      triage_attempts: job.attempt,
    });
    try {
      await this.triage.run(job.dumpId, signal);
    } catch (e) {
      await this.failed(job, e, signal, {
        retryState: 'received',
        finalState: 'triage-failed',
        timing: { triage_finished_at: now(), triage_ms: Math.round(performance.now() - started) },
      });
      return;
    }
    if (!(await this.queue.complete(job))) return; // lease lost: the new owner records the state
    await this.analysis.update(job.dumpId, {
      state: 'triaged',
      triage_finished_at: now(),
      triage_ms: Math.round(performance.now() - started),
    });
    if (this.deep) {
      await this.queue.enqueue(job.dumpId, 'deep');
      this.notify();
    }
  }

  private async runDeep(job: ClaimedJob, signal: AbortSignal): Promise<void> {
    if (!this.deep) {
      await this.queue.complete(job);
      return;
    }
    if (job.exhausted) {
      await this.analysis.update(job.dumpId, { state: 'analysis-failed', reason: job.lastError });
      return;
    }
    const started = performance.now();
    await this.analysis.update(job.dumpId, {
      state: 'analyzing',
      reason: null,
      analysis_started_at: now(),
      analysis_finished_at: null,
      analysis_ms: null,
      analysis_attempts: job.attempt,
    });
    try {
      const out = await this.deep.run(job.dumpId, signal);
      if (!(await this.queue.complete(job))) return;
      await this.analysis.update(job.dumpId, {
        state: out.state,
        reason: out.reason,
        tool: out.state === 'analyzed' ? out.tool : null,
        ...(out.state !== 'no-debuginfo'
          ? {
              debuginfo_path: out.debuginfo.path,
              debuginfo_via: out.debuginfo.via,
              debuginfo_origin: out.debuginfo.origin,
              debuginfo_build_id: out.debuginfo.buildId,
            }
          : {}),
        analysis_finished_at: now(),
        analysis_ms: Math.round(performance.now() - started),
      });
    } catch (e) {
      await this.failed(job, e, signal, {
        retryState: 'triaged',
        finalState: 'analysis-failed',
        timing: {
          analysis_finished_at: now(),
          analysis_ms: Math.round(performance.now() - started),
        },
      });
    }
  }

  private async failed(
    job: ClaimedJob,
    e: unknown,
    signal: AbortSignal,
    states: {
      retryState: 'received' | 'triaged';
      finalState: 'triage-failed' | 'analysis-failed';
      timing: Record<string, string | number>;
    },
  ): Promise<void> {
    const abortReason = signal.aborted ? oneLine(signal.reason) : null;
    if (abortReason && /lease lost|worker stopping/.test(abortReason)) {
      // another worker holds the job now, or it will after our lease lapses: leave its state
      this.log.warn({ jobId: job.id, dumpId: job.dumpId, abortReason }, 'analysis job abandoned');
      return;
    }
    const message = abortReason ?? oneLine(e);
    const permanent = e instanceof AnalysisStepError && e.permanent && !abortReason;
    const { outcome, runAfter } = await this.queue.fail(job, message, permanent);
    const reason =
      outcome === 'retry'
        ? `attempt ${job.attempt}/${job.maxAttempts} failed: ${message}; retrying after ${runAfter}`
        : job.attempt > 1 && !permanent
          ? `${message} (after ${job.attempt} attempts)`
          : message;
    await this.analysis.update(job.dumpId, {
      state: outcome === 'retry' ? states.retryState : states.finalState,
      reason,
      ...states.timing,
    });
    this.log.warn(
      { jobId: job.id, dumpId: job.dumpId, step: job.step, outcome, reason },
      'analysis step failed',
    );
  }
}
