import {
  watchProbeNames,
  type WatchProbeName,
  type WatchProbeResult,
  type WatchVerdict,
} from '@kdumpfleet/contracts';
import { HungTaskTracker } from './hung-task-tracker.js';
import type { ProbeOptions } from './probe-protocol.js';
import { LingeringChildren, PROBE_CHILD, runProbe } from './probe-runner.js';
import type { DStateTask } from './probes/hung-tasks.js';
import { judge } from './verdict.js';

export interface WatcherOptions {
  node: string;
  probes: readonly WatchProbeName[];
  probeOptions: ProbeOptions;
  intervalMs: number;
  deadlineMs: number;
  hungAfterMs: number;
  /** The probe child script (tests point at the built one). */
  probeChild?: string;
}

export const DEFAULT_PROBES: readonly WatchProbeName[] = watchProbeNames;

/**
 * Runs rounds of probes, all at once, each in its own child with the same deadline, so one
 * round ends within the deadline however many probes hang.
 */
export class Watcher {
  private readonly lingering = new LingeringChildren();
  private readonly hung: HungTaskTracker;
  constructor(private readonly opts: WatcherOptions) {
    this.hung = new HungTaskTracker(opts.hungAfterMs);
  }

  async round(): Promise<WatchVerdict> {
    const { probes, probeOptions, deadlineMs, probeChild } = this.opts;
    const runs = await Promise.all(
      probes.map((p) =>
        runProbe(p, probeOptions, deadlineMs, this.lingering, probeChild ?? PROBE_CHILD),
      ),
    );
    const results: WatchProbeResult[] = runs.map((run) =>
      run.result.probe === 'hung-tasks' && run.result.status === 'ok'
        ? this.judgeHungTasks(run.result, (run.data as DStateTask[] | undefined) ?? [])
        : run.result,
    );
    const cpu = process.cpuUsage();
    return judge(this.opts.node, results, this.opts.intervalMs / 1000, deadlineMs / 1000, {
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      rssBytes: process.memoryUsage().rss,
      lingeringChildren: this.lingering.size,
      maxChildren: probes.length,
    });
  }

  private judgeHungTasks(r: WatchProbeResult, tasks: DStateTask[]): WatchProbeResult {
    const hung = this.hung.observe(tasks, Date.now());
    if (hung.length === 0) {
      const seen = tasks.map(
        (t) => `${t.comm}[${t.tid}] in D (not yet ${this.opts.hungAfterMs / 1000}s)`,
      );
      return { ...r, evidence: [...r.evidence, ...seen.slice(0, 20)] };
    }
    return {
      ...r,
      status: 'stuck',
      stuckAt: hung
        .map((h) => `${h.task.comm}[${h.task.tid}]`)
        .join(', ')
        .slice(0, 4096),
      evidence: hung
        .slice(0, 50)
        .map(
          (h) =>
            `task ${h.task.comm}:${h.task.tid} (pid ${h.task.pid}) blocked for more than ${Math.round(h.forMs / 1000)} seconds` +
            (h.task.stack ? `\n${h.task.stack}` : ' (no /proc stack)'),
        ),
    };
  }
}
