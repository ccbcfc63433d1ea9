import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { DumpsRepository } from '../dumps/dumps.repository.js';
import { DUMP_STATES } from '@kdumpfleet/contracts';

/** Prometheus metrics of one collector process (own registry: no global state). */
export class CollectorMetrics {
  readonly registry = new Registry();
  readonly uploadsStarted: Counter;
  readonly uploadsFinished: Counter<'state'>;
  readonly uploadsFailed: Counter<'reason'>;
  readonly bytesReceived: Counter;

  constructor(dumps: DumpsRepository) {
    collectDefaultMetrics({ register: this.registry });
    this.uploadsStarted = new Counter({
      name: 'kdumpfleet_uploads_started_total',
      help: 'tus uploads created',
      registers: [this.registry],
    });
    this.uploadsFinished = new Counter({
      name: 'kdumpfleet_uploads_finished_total',
      help: 'uploads whose bytes were complete and recorded, by resulting dump state',
      labelNames: ['state'],
      registers: [this.registry],
    });
    this.uploadsFailed = new Counter({
      name: 'kdumpfleet_uploads_failed_total',
      help: 'uploads that failed verification or could not be recorded',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.bytesReceived = new Counter({
      name: 'kdumpfleet_upload_bytes_received_total',
      help: 'bytes written to the upload store by tus PATCH/POST bodies',
      registers: [this.registry],
    });
    new Gauge({
      name: 'kdumpfleet_dumps',
      help: 'dump records by state (from the database)',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const counts = await dumps.countByState();
        for (const s of DUMP_STATES) this.set({ state: s }, counts[s] ?? 0);
      },
    });
  }
}
