import type { DStateTask } from './probes/hung-tasks.js';

interface Seen {
  firstSeenMs: number;
  switches: number;
}

/**
 * hung_task's rule without its 120 s wait: a task is hung when it has been in D state for at
 * least `thresholdMs` across our looks and did not run in between (its context switch count is
 * unchanged). One look is not enough: a task waiting 5 ms for a disk is also in D.
 */
export class HungTaskTracker {
  private seen = new Map<string, Seen>();
  constructor(private readonly thresholdMs: number) {}

  /** Feeds one look; returns the tasks that are hung now, with how long. */
  observe(tasks: DStateTask[], nowMs: number): { task: DStateTask; forMs: number }[] {
    const next = new Map<string, Seen>();
    const hung: { task: DStateTask; forMs: number }[] = [];
    for (const t of tasks) {
      const key = `${t.pid}/${t.tid}/${t.comm}`;
      const before = this.seen.get(key);
      const s =
        before && before.switches === t.switches
          ? before
          : { firstSeenMs: nowMs, switches: t.switches };
      next.set(key, s);
      const forMs = nowMs - s.firstSeenMs;
      if (before && forMs >= this.thresholdMs) hung.push({ task: t, forMs });
    }
    this.seen = next;
    return hung;
  }
}
