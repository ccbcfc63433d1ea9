import { ANALYSIS_STATES } from '@kdumpfleet/contracts';
import { Gauge, type Registry } from 'prom-client';
import type { AnalysisService } from './analysis-service.js';

/** Analysis gauges on the collector's registry (read from the database at scrape time). */
export function registerAnalysisMetrics(registry: Registry, svc: AnalysisService): void {
  new Gauge({
    name: 'kdumpfleet_analysis_dumps',
    help: 'dumps by analysis state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await svc.analysis.countByState();
      for (const s of ANALYSIS_STATES) this.set({ state: s }, counts[s] ?? 0);
    },
  });
  new Gauge({
    name: 'kdumpfleet_analysis_jobs',
    help: 'analysis jobs by step and state (queued, running, done, failed)',
    labelNames: ['step', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await svc.queue.countByStepAndState())
        this.set({ step: r.step, state: r.state }, r.n);
    },
  });
  new Gauge({
    name: 'kdumpfleet_buckets',
    help: 'crash buckets holding at least one dump',
    registers: [registry],
    async collect() {
      this.set((await svc.buckets.list()).length);
    },
  });
}
