import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseDialects } from '../../../../../test/pg/dialects.js';
import type { CollectorDb } from '../../db/database.js';
import { withAnalysisTables } from '../db/analysis-schema.js';
import { AnalysisJobQueue } from './job-queue.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, s));

// The same queue tests on both databases (PostgreSQL skipped with the reason when absent).
describe.each(databaseDialects('job queue'))(
  'AnalysisJobQueue on %s',
  (_name, makeBackend, skip) => {
    const backend = makeBackend();
    let db: CollectorDb;
    let q: AnalysisJobQueue;

    beforeAll(async () => {
      if (skip) return;
      db = await backend.open();
      q = new AnalysisJobQueue(withAnalysisTables(db), { maxAttempts: 2, backoffMs: 10_000 });
    }, 60_000);
    afterAll(async () => {
      if (skip) return;
      await db?.destroy();
      await backend.close();
    });

    it.skipIf(skip)('enqueue is idempotent while a job is open', async () => {
      const a = await q.enqueue('d1', 'triage', at(0));
      expect(await q.enqueue('d1', 'triage', at(1))).toBe(a);
      expect(await q.enqueue('d1', 'deep', at(1))).not.toBe(a);
    });

    it.skipIf(skip)(
      'one claim per job; the lease keeps others out until it expires; then it is retaken',
      async () => {
        const j1 = await q.claim('w1', 5_000, at(2));
        expect(j1).toMatchObject({ dumpId: 'd1', step: 'triage', attempt: 1, exhausted: false });
        const j2 = await q.claim('w2', 5_000, at(3));
        expect(j2?.step).toBe('deep'); // the other job, not the leased one
        expect(await q.complete(j2!, at(3))).toBe(true);
        expect(await q.claim('w3', 5_000, at(4))).toBeNull();
        expect(await q.renew(j1!, 5_000, at(5))).toBe(true); // now leased until 10 s
        expect(await q.claim('w3', 5_000, at(9))).toBeNull();
        const again = await q.claim('w3', 5_000, at(11));
        expect(again).toMatchObject({ id: j1!.id, attempt: 2, owner: 'w3' });
        // the old owner lost it: its renew and complete are refused
        expect(await q.renew(j1!, 5_000, at(12))).toBe(false);
        expect(await q.complete(j1!, at(12))).toBe(false);
        expect(await q.complete(again!, at(12))).toBe(true);
      },
    );

    it.skipIf(skip)(
      'failures back off exponentially, then fail for good; permanent ones at once',
      async () => {
        await q.enqueue('d2', 'triage', at(20));
        const a = (await q.claim('w', 60_000, at(20)))!;
        expect(await q.fail(a, 'boom', false, at(21))).toEqual({
          outcome: 'retry',
          runAfter: at(31).toISOString(),
        });
        expect(await q.claim('w', 60_000, at(30))).toBeNull();
        const b = (await q.claim('w', 60_000, at(31)))!;
        expect(b.attempt).toBe(2);
        expect((await q.fail(b, 'boom', false, at(32))).outcome).toBe('failed');
        await q.enqueue('d3', 'triage', at(40));
        const c = (await q.claim('w', 60_000, at(40)))!;
        expect((await q.fail(c, 'bad dump', true, at(41))).outcome).toBe('failed');
      },
    );

    it.skipIf(skip)(
      'a job whose lease lapsed with no attempts left is failed, not run again',
      async () => {
        await q.enqueue('d4', 'triage', at(50));
        (await q.claim('w1', 1_000, at(50)))!;
        (await q.claim('w2', 1_000, at(52)))!; // attempt 2 after w1 "died"
        const lost = await q.claim('w3', 1_000, at(54));
        expect(lost).toMatchObject({ dumpId: 'd4', exhausted: true });
        expect(lost!.lastError).toMatch(/worker lost 2 times/);
        expect(await q.claim('w4', 1_000, at(60))).toBeNull();
        const rows = await q.jobsOf('d4');
        expect(rows.map((r) => r.state)).toEqual(['failed']);
      },
    );

    it.skipIf(skip)(
      'concurrent claimers never get the same job; every job is claimed once',
      async () => {
        // Separate connections (a pool per claimer, like separate worker processes).
        const fresh = await backend.open();
        const queue = new AnalysisJobQueue(withAnalysisTables(fresh), {
          maxAttempts: 3,
          backoffMs: 1000,
        });
        const jobs = 60;
        for (let i = 0; i < jobs; i++) await queue.enqueue(`c${i}`, 'triage', at(0));
        // the same (dump, step) enqueued 10 times at once is one job
        const same = await Promise.all(
          Array.from({ length: 10 }, () => queue.enqueue('c0', 'triage', at(0))),
        );
        expect(new Set(same).size).toBe(1);
        const dbs = [fresh];
        for (let i = 1; i < 8; i++) dbs.push(await backend.again());
        const claimed: string[] = [];
        await Promise.all(
          dbs.map(async (d, w) => {
            const cq = new AnalysisJobQueue(withAnalysisTables(d), {
              maxAttempts: 3,
              backoffMs: 1000,
            });
            for (;;) {
              const j = await cq.claim(`w${w}`, 60_000, at(1));
              if (!j) return;
              claimed.push(j.id);
            }
          }),
        );
        expect(claimed.length).toBe(jobs);
        expect(new Set(claimed).size).toBe(jobs);
        for (const d of dbs) await d.destroy();
      },
    );
  },
);
