import { randomUUID } from 'node:crypto';
import type { AnalysisDb } from '../db/analysis-schema.js';
import type { AnalysisStep, ClaimedJob } from './analysis-job.js';

export interface JobQueueOptions {
  maxAttempts: number;
  /** first retry delay; doubled per attempt (capped at 64×) */
  backoffMs: number;
}

const iso = (d: Date) => d.toISOString();

/**
 * The analysis job queue, a table in the collector's database. A job is claimed with a lease
 * (owner + expiry) that the worker renews while it runs; a job whose lease ran out (its worker
 * died or hung) is claimable again. Claiming is one conditional UPDATE that only one worker can
 * win, which works across processes on SQLite and on PostgreSQL alike (where `FOR UPDATE SKIP
 * LOCKED` could later make it cheaper).
 */
export class AnalysisJobQueue {
  constructor(
    private readonly db: AnalysisDb,
    private readonly opts: JobQueueOptions,
  ) {}

  /**
   * Queues `step` for a dump unless such a job is already queued or running (then that one's id
   * is returned): enqueueing twice — a retried upload finish, a second analyze request — is
   * harmless.
   */
  async enqueue(dumpId: string, step: AnalysisStep, now = new Date()): Promise<string> {
    // SQLite (WAL): a read-then-write transaction can meet SQLITE_BUSY(_SNAPSHOT) when another
    // process wrote in between; busy_timeout does not cover that case, so try again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.enqueueOnce(dumpId, step, now);
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (!code.startsWith('SQLITE_BUSY') || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 20 * attempt));
      }
    }
  }

  private async enqueueOnce(dumpId: string, step: AnalysisStep, now: Date): Promise<string> {
    return this.db.transaction().execute(async (trx) => {
      const open = await trx
        .selectFrom('analysis_jobs')
        .select('id')
        .where('dump_id', '=', dumpId)
        .where('step', '=', step)
        .where('state', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (open) return open.id;
      const id = randomUUID();
      await trx
        .insertInto('analysis_jobs')
        .values({
          id,
          dump_id: dumpId,
          step,
          state: 'queued',
          attempts: 0,
          max_attempts: this.opts.maxAttempts,
          run_after: iso(now),
          lease_owner: null,
          lease_expires_at: null,
          last_error: null,
          created_at: iso(now),
          updated_at: iso(now),
          finished_at: null,
        })
        .execute();
      return id;
    });
  }

  /** Takes the oldest ready job (queued and due, or running with an expired lease), or null. */
  async claim(owner: string, leaseMs: number, now = new Date()): Promise<ClaimedJob | null> {
    const t = iso(now);
    for (let tries = 0; tries < 5; tries++) {
      const candidates = await this.db
        .selectFrom('analysis_jobs')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'queued'), eb('run_after', '<=', t)]),
            eb.and([eb('state', '=', 'running'), eb('lease_expires_at', '<', t)]),
          ]),
        )
        .orderBy('run_after')
        .limit(4)
        .execute();
      if (candidates.length === 0) return null;
      for (const c of candidates) {
        const exhausted = c.state === 'running' && c.attempts >= c.max_attempts;
        const r = await this.db
          .updateTable('analysis_jobs')
          .set(
            exhausted
              ? {
                  state: 'failed',
                  lease_owner: null,
                  lease_expires_at: null,
                  last_error: `worker lost ${c.attempts} times (lease expired; last owner ${c.lease_owner ?? '?'})`,
                  updated_at: t,
                  finished_at: t,
                }
              : {
                  state: 'running',
                  attempts: c.attempts + 1,
                  lease_owner: owner,
                  lease_expires_at: iso(new Date(now.getTime() + leaseMs)),
                  updated_at: t,
                },
          )
          .where('id', '=', c.id)
          .where('state', '=', c.state)
          .where('attempts', '=', c.attempts)
          .where((eb) =>
            c.state === 'queued' ? eb('run_after', '<=', t) : eb('lease_expires_at', '<', t),
          )
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) continue; // another worker won this one
        return {
          id: c.id,
          dumpId: c.dump_id,
          step: c.step as ClaimedJob['step'],
          attempt: exhausted ? c.attempts : c.attempts + 1,
          maxAttempts: c.max_attempts,
          owner,
          exhausted,
          lastError: exhausted
            ? `worker lost ${c.attempts} times (lease expired; last owner ${c.lease_owner ?? '?'})`
            : c.last_error,
        };
      }
    }
    return null;
  }

  /** Extends the lease; false when this owner no longer holds the job (it must stop). */
  async renew(job: ClaimedJob, leaseMs: number, now = new Date()): Promise<boolean> {
    const r = await this.db
      .updateTable('analysis_jobs')
      .set({ lease_expires_at: iso(new Date(now.getTime() + leaseMs)), updated_at: iso(now) })
      .where('id', '=', job.id)
      .where('state', '=', 'running')
      .where('lease_owner', '=', job.owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async complete(job: ClaimedJob, now = new Date()): Promise<boolean> {
    const r = await this.db
      .updateTable('analysis_jobs')
      .set({
        state: 'done',
        lease_owner: null,
        lease_expires_at: null,
        updated_at: iso(now),
        finished_at: iso(now),
      })
      .where('id', '=', job.id)
      .where('lease_owner', '=', job.owner)
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Records a failed attempt: queued again after a backoff (`backoffMs · 2^(attempt-1)`), or
   * failed for good when permanent or out of attempts. Returns what happened.
   */
  async fail(
    job: ClaimedJob,
    error: string,
    permanent: boolean,
    now = new Date(),
  ): Promise<{ outcome: 'retry' | 'failed'; runAfter: string | null }> {
    const retry = !permanent && job.attempt < job.maxAttempts;
    const delay = this.opts.backoffMs * 2 ** Math.min(6, job.attempt - 1);
    const runAfter = retry ? iso(new Date(now.getTime() + delay)) : null;
    await this.db
      .updateTable('analysis_jobs')
      .set({
        state: retry ? 'queued' : 'failed',
        run_after: runAfter ?? iso(now),
        lease_owner: null,
        lease_expires_at: null,
        last_error: error,
        updated_at: iso(now),
        finished_at: retry ? null : iso(now),
      })
      .where('id', '=', job.id)
      .where('lease_owner', '=', job.owner)
      .execute();
    return { outcome: retry ? 'retry' : 'failed', runAfter };
  }

  async jobsOf(dumpId: string) {
    return this.db
      .selectFrom('analysis_jobs')
      .selectAll()
      .where('dump_id', '=', dumpId)
      .orderBy('created_at')
      .execute();
  }

  async countByStepAndState(): Promise<{ step: string; state: string; n: number }[]> {
    const rows = await this.db
      .selectFrom('analysis_jobs')
      .select(['step', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['step', 'state'])
      .execute();
    return rows.map((r) => ({ step: r.step, state: r.state, n: Number(r.n) }));
  }
}
