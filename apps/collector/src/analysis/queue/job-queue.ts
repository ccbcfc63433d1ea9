import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder, type Selectable, type Updateable } from 'kysely';
import { isPostgres } from '../../db/database.js';
import type { AnalysisDb, AnalysisJobsTable, AnalysisTables } from '../db/analysis-schema.js';
import type { AnalysisStep, ClaimedJob } from './analysis-job.js';

export interface JobQueueOptions {
  maxAttempts: number;
  /** first retry delay; doubled per attempt (capped at 64×) */
  backoffMs: number;
}

const iso = (d: Date) => d.toISOString();

type JobRow = Selectable<AnalysisJobsTable>;

/** Claimable at `t`: queued and due, or running with a lease that ran out. */
function ready(eb: ExpressionBuilder<AnalysisTables, 'analysis_jobs'>, t: string) {
  return eb.or([
    eb.and([eb('state', '=', 'queued'), eb('run_after', '<=', t)]),
    eb.and([eb('state', '=', 'running'), eb('lease_expires_at', '<', t)]),
  ]);
}

/**
 * What claiming row `c` writes and hands out: a new lease, or — a running job whose lease lapsed
 * with no attempts left (its workers keep dying) — failed for good, handed out `exhausted` so
 * the caller records why.
 */
function claimOf(
  c: JobRow,
  owner: string,
  leaseMs: number,
  now: Date,
): { set: Updateable<AnalysisJobsTable>; job: ClaimedJob } {
  const t = iso(now);
  const exhausted = c.state === 'running' && c.attempts >= c.max_attempts;
  const lost = `worker lost ${c.attempts} times (lease expired; last owner ${c.lease_owner ?? '?'})`;
  return {
    set: exhausted
      ? {
          state: 'failed',
          lease_owner: null,
          lease_expires_at: null,
          last_error: lost,
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
    job: {
      id: c.id,
      dumpId: c.dump_id,
      step: c.step as ClaimedJob['step'],
      attempt: exhausted ? c.attempts : c.attempts + 1,
      maxAttempts: c.max_attempts,
      owner,
      exhausted,
      lastError: exhausted ? lost : c.last_error,
    },
  };
}

/**
 * The analysis job queue, a table in the collector's database. A job is claimed with a lease
 * (owner + expiry) that the worker renews while it runs; a job whose lease ran out (its worker
 * died or hung) is claimable again. Claiming differs by database: on SQLite one conditional
 * UPDATE that only one worker can win; on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`, so many
 * workers on many hosts claim in parallel without contending for the same row. Renew, complete
 * and fail check the lease owner on both, so a worker that lost its lease cannot touch the job.
 */
export class AnalysisJobQueue {
  private readonly postgres: boolean;

  constructor(
    private readonly db: AnalysisDb,
    private readonly opts: JobQueueOptions,
  ) {
    this.postgres = isPostgres(db);
  }

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
      // PostgreSQL (read committed): two enqueuers could both see no open job and both insert;
      // a transaction-scoped advisory lock on (dump, step) makes them take turns. SQLite
      // transactions already serialize writers.
      if (this.postgres)
        await sql`select pg_advisory_xact_lock(hashtextextended(${`kdf-enqueue:${dumpId}:${step}`}, 0))`.execute(
          trx,
        );
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
    return this.postgres
      ? this.claimLocked(owner, leaseMs, now)
      : this.claimConditional(owner, leaseMs, now);
  }

  /**
   * PostgreSQL: the oldest ready row is locked with `FOR UPDATE SKIP LOCKED` inside a
   * transaction, so concurrent claimers each get a different row without waiting on each other
   * or retrying; the lease is written before the row lock is released at commit.
   */
  private async claimLocked(owner: string, leaseMs: number, now: Date): Promise<ClaimedJob | null> {
    const t = iso(now);
    return this.db.transaction().execute(async (trx) => {
      const c = await trx
        .selectFrom('analysis_jobs')
        .selectAll()
        .where((eb) => ready(eb, t))
        .orderBy('run_after')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!c) return null;
      const next = claimOf(c, owner, leaseMs, now);
      await trx.updateTable('analysis_jobs').set(next.set).where('id', '=', c.id).execute();
      return next.job;
    });
  }

  /**
   * SQLite (one writer at a time): read a few candidates, then one conditional UPDATE per
   * candidate that only succeeds if nobody changed the row in between.
   */
  private async claimConditional(
    owner: string,
    leaseMs: number,
    now: Date,
  ): Promise<ClaimedJob | null> {
    const t = iso(now);
    for (let tries = 0; tries < 5; tries++) {
      const candidates = await this.db
        .selectFrom('analysis_jobs')
        .selectAll()
        .where((eb) => ready(eb, t))
        .orderBy('run_after')
        .limit(4)
        .execute();
      if (candidates.length === 0) return null;
      for (const c of candidates) {
        const next = claimOf(c, owner, leaseMs, now);
        const r = await this.db
          .updateTable('analysis_jobs')
          .set(next.set)
          .where('id', '=', c.id)
          .where('state', '=', c.state)
          .where('attempts', '=', c.attempts)
          .where((eb) =>
            c.state === 'queued' ? eb('run_after', '<=', t) : eb('lease_expires_at', '<', t),
          )
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) continue; // another worker won this one
        return next.job;
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
