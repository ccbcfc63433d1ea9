import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeFunction } from '../probe-protocol.js';

const TIMER_MS = 50;

/**
 * Reading /proc/sys/vm/stat_refresh (root only) makes the kernel run one work item on every CPU
 * through the system workqueue (schedule_on_each_cpu → system_wq) and wait for them: the one
 * harmless, cheap userspace request that needs system_wq to make progress. Workers that block
 * in TASK_IDLE (a stuck driver's work items, kfault's `workqueue` hang) are invisible to load,
 * to hung_task and to our hung-tasks probe; this read is not (it waits in D state until they
 * run). Missing (no CONFIG_SMP/PROC_SYSCTL, a fake tree) or not ours to read: skipped, not a hang.
 */
function systemWqRoundTrip(procDir: string): { ms: number | null; evidence: string } {
  const file = join(procDir, 'sys', 'vm', 'stat_refresh');
  const t0 = performance.now();
  try {
    readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return { ms: null, evidence: `system_wq round trip skipped: ${file}: ${code}` };
  }
  const ms = performance.now() - t0;
  return { ms, evidence: `system_wq round trip (${file}) took ${ms.toFixed(1)} ms` };
}

/**
 * Scheduling and workqueue latency: how late a 50 ms timer fires, how long a fork+exec of
 * /bin/true takes, and how long one work item per CPU takes through the system workqueue. A
 * stalled CPU or a blocked workqueue shows as going over the budget; a full hang shows as the
 * watcher's deadline, with the step naming which of the three blocked.
 */
export const scheduling: ProbeFunction = async (opts, step) => {
  step('timer');
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, TIMER_MS));
  const lateMs = Math.max(0, performance.now() - t0 - TIMER_MS);
  step('fork+exec /bin/true');
  const t1 = performance.now();
  const r = spawnSync('/bin/true');
  const execMs = performance.now() - t1;
  step('system_wq round trip (read /proc/sys/vm/stat_refresh)');
  const wq = systemWqRoundTrip(opts.procDir);
  const evidence = [
    `timer ${TIMER_MS} ms fired ${lateMs.toFixed(1)} ms late`,
    `fork+exec /bin/true took ${execMs.toFixed(1)} ms (exit ${r.status})`,
    wq.evidence,
  ];
  const over =
    lateMs > opts.schedulingBudgetMs ||
    execMs > opts.schedulingBudgetMs ||
    (wq.ms ?? 0) > opts.schedulingBudgetMs;
  if (over) evidence.push(`over the ${opts.schedulingBudgetMs} ms budget`);
  return { status: over ? 'stuck' : r.status === 0 ? 'ok' : 'error', evidence };
};
