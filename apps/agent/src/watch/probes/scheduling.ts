import { spawnSync } from 'node:child_process';
import type { ProbeFunction } from '../probe-protocol.js';

const TIMER_MS = 50;

/**
 * Scheduling and workqueue latency: how late a 50 ms timer fires, and how long a fork+exec of
 * /bin/true takes. A stalled CPU or a blocked workqueue (exec needs them) shows as either going
 * over the budget; a full hang shows as the watcher's deadline.
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
  const evidence = [
    `timer ${TIMER_MS} ms fired ${lateMs.toFixed(1)} ms late`,
    `fork+exec /bin/true took ${execMs.toFixed(1)} ms (exit ${r.status})`,
  ];
  const over = lateMs > opts.schedulingBudgetMs || execMs > opts.schedulingBudgetMs;
  if (over) evidence.push(`over the ${opts.schedulingBudgetMs} ms budget`);
  return { status: over ? 'stuck' : r.status === 0 ? 'ok' : 'error', evidence };
};
