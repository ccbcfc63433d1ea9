import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AnalysisModule } from './analysis/analysis.module.js';
import { DumpsController } from './dumps/dumps.controller.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { NodesModule } from './nodes/nodes.module.js';
import { PortalModule } from './portal/portal.module.js';
import { portalDir } from './portal/portal-dir.js';
import { UploadsController } from './uploads/uploads.controller.js';
import { UsersModule } from './users/users.module.js';
import { AdminGuard, UploaderGuard } from './auth/guards.js';
import type { CollectorContext } from './collector-context.js';
import {
  ACCESS_TOKENS,
  CONFIG,
  DATABASE,
  DUMPS_REPOSITORY,
  INGEST,
  METRICS,
  OBJECT_STORE,
  ROOT_LOGGER,
  TUS_SERVER,
} from './tokens.js';

/** A client's X-Request-Id is kept when it looks like an id; otherwise a fresh UUID. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

function httpLogging(logger: Logger) {
  return LoggerModule.forRoot({
    pinoHttp: {
      logger,
      genReqId: requestId,
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  });
}

/** The Nest module, wired from values built (and validated) before Nest starts. */
@Module({})
export class AppModule {
  static forContext(ctx: CollectorContext): DynamicModule {
    return {
      module: AppModule,
      imports: [
        httpLogging(ctx.logger),
        TerminusModule.forRoot({ logger: false }),
        AnalysisModule.forContext(ctx),
        NodesModule.forContext(ctx),
        UsersModule.forContext(ctx),
        PortalModule.forDir(portalDir(), ctx.logger),
      ],
      controllers: [UploadsController, DumpsController, HealthController, MetricsController],
      providers: [
        { provide: CONFIG, useValue: ctx.config },
        { provide: DATABASE, useValue: ctx.db },
        { provide: OBJECT_STORE, useValue: ctx.store },
        { provide: ACCESS_TOKENS, useValue: ctx.access },
        { provide: TUS_SERVER, useValue: ctx.tus },
        { provide: DUMPS_REPOSITORY, useValue: ctx.dumps },
        { provide: INGEST, useValue: ctx.ingest },
        { provide: METRICS, useValue: ctx.metrics },
        { provide: ROOT_LOGGER, useValue: ctx.logger },
        UploaderGuard,
        AdminGuard,
      ],
    };
  }
}
