import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AdminGuard } from '../auth/guards.js';
import type { CollectorContext } from '../collector-context.js';
import { ACCESS_TOKENS, DUMPS_REPOSITORY } from '../tokens.js';
import { registerAnalysisMetrics } from './analysis-metrics.js';
import { AnalysisService } from './analysis-service.js';
import { AnalysisController } from './http/analysis.controller.js';
import { ANALYSIS_SERVICE } from './http/analysis-tokens.js';
import { BucketsController } from './http/buckets.controller.js';

/** Starts the sweep and the in-process workers with the app, stops them with it. */
@Injectable()
class AnalysisLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(ANALYSIS_SERVICE) private readonly svc: AnalysisService) {}
  onApplicationBootstrap(): void {
    this.svc.start({ workers: true });
  }
  async onApplicationShutdown(): Promise<void> {
    await this.svc.stop();
  }
}

/**
 * Analysis inside `collector serve`: the API (analyze, analysis, results, buckets) and a worker
 * pool of ANALYSIS_CONCURRENCY (0 = API only; run `collector worker` elsewhere).
 */
@Module({})
export class AnalysisModule {
  /** Builds the service now, so a bad ANALYSIS_ or DEBUGINFO_ variable fails the start. */
  static forContext(ctx: CollectorContext): DynamicModule {
    const svc = new AnalysisService({
      db: ctx.db,
      store: ctx.store,
      logger: ctx.logger,
      dataDir: ctx.config.dataDir,
      tmpDir: ctx.config.tmpDir,
    });
    registerAnalysisMetrics(ctx.metrics.registry, svc);
    // a verified upload is queued at once (the sweep is only the safety net)
    ctx.ingest.onReceived = (dump) => svc.dumpReceived(dump.id);
    return {
      module: AnalysisModule,
      controllers: [AnalysisController, BucketsController],
      providers: [
        { provide: ANALYSIS_SERVICE, useValue: svc },
        { provide: ACCESS_TOKENS, useValue: ctx.access },
        { provide: DUMPS_REPOSITORY, useValue: ctx.dumps },
        AdminGuard,
        AnalysisLifecycle,
      ],
      exports: [ANALYSIS_SERVICE],
    };
  }
}
