import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ClaimedJob } from './analysis-job.js';
import type { AnalysisJobQueue } from './job-queue.js';

export interface WorkerPoolOptions {
  concurrency: number;
  leaseMs: number;
  pollMs: number;
  /** a job running longer than this is aborted (and counts as a failed attempt) */
  jobTimeoutMs: number;
}

/** Runs one claimed job; must stop promptly when `signal` aborts (timeout, lost lease, stop). */
export type JobRunner = (job: ClaimedJob, signal: AbortSignal) => Promise<void>;

/**
 * `concurrency` loops, each claiming one job at a time from the queue, renewing its lease every
 * third of the lease while it runs. Runs inside the collector or alone (`collector worker`);
 * any number of pools on any number of hosts may share one database.
 */
export class AnalysisWorkerPool {
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly running = new Set<AbortController>();
  private wake: (() => void) | null = null;
  readonly ownerPrefix = `${hostname()}:${process.pid}`;

  constructor(
    private readonly queue: AnalysisJobQueue,
    private readonly run: JobRunner,
    private readonly opts: WorkerPoolOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (let i = 0; i < this.opts.concurrency; i++)
      this.loops.push(this.loop(`${this.ownerPrefix}:${i}`));
    this.log.info({ concurrency: this.opts.concurrency }, 'analysis workers started');
  }

  /** A new job was queued: look now instead of at the next poll. */
  notify(): void {
    this.wake?.();
  }

  /** Stops claiming, aborts running jobs (their leases lapse; another worker redoes them). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of this.running) c.abort(new Error('worker stopping'));
    this.wake?.();
    await Promise.allSettled(this.loops);
  }

  private async loop(owner: string): Promise<void> {
    while (!this.stopping) {
      let job: ClaimedJob | null = null;
      try {
        job = await this.queue.claim(owner, this.opts.leaseMs);
      } catch (err) {
        this.log.error({ err: String(err) }, 'analysis queue claim failed');
      }
      if (!job) {
        await this.idle();
        continue;
      }
      await this.runOne(job);
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, this.opts.pollMs);
      this.wake = done;
    });
  }

  private async runOne(job: ClaimedJob): Promise<void> {
    const ctl = new AbortController();
    this.running.add(ctl);
    const timeout = setTimeout(
      () => ctl.abort(new Error(`timed out after ${this.opts.jobTimeoutMs} ms`)),
      this.opts.jobTimeoutMs,
    );
    const renew = setInterval(
      () => {
        this.queue.renew(job, this.opts.leaseMs).then(
          (held) => {
            if (!held) ctl.abort(new Error('lease lost to another worker'));
          },
          (err: unknown) =>
            this.log.warn({ err: String(err), jobId: job.id }, 'lease renewal failed'),
        );
      },
      Math.max(200, Math.floor(this.opts.leaseMs / 3)),
    );
    try {
      await this.run(job, ctl.signal);
    } catch (err) {
      // the runner records step failures itself; anything reaching here is a bug or a DB outage
      this.log.error({ err: String(err), jobId: job.id, step: job.step }, 'analysis job crashed');
    } finally {
      clearTimeout(timeout);
      clearInterval(renew);
      this.running.delete(ctl);
    }
  }
}
