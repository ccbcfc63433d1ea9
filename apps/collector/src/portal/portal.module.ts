import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  Inject,
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../tokens.js';
import { portalStatic } from './portal-static.js';

const PORTAL_DIR = Symbol('PortalDir');

/** Serves apps/portal's build at `/` (see portal-static.ts). */
@Module({})
export class PortalModule implements NestModule {
  static forDir(dir: string, logger: Logger): DynamicModule {
    if (!existsSync(join(dir, 'index.html')))
      logger.warn({ dir }, 'portal build not found (npm run build); / answers 404');
    return {
      module: PortalModule,
      providers: [
        { provide: PORTAL_DIR, useValue: dir },
        { provide: ROOT_LOGGER, useValue: logger },
      ],
    };
  }

  constructor(@Inject(PORTAL_DIR) private readonly dir: string) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(portalStatic(this.dir))
      .forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
