import {
  Inject,
  Injectable,
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { AdminGuard } from '../auth/guards.js';
import type { CollectorContext } from '../collector-context.js';
import { ACCESS_TOKENS, DUMPS_REPOSITORY, ROOT_LOGGER } from '../tokens.js';
import { downloadAuditMiddleware } from './audit/download-audit.middleware.js';
import { ensureFirstAdmin } from './first-admin.js';
import { AuditController } from './http/audit.controller.js';
import { EnrollmentController } from './http/enrollment.controller.js';
import { SessionController } from './http/session.controller.js';
import { TicketsController } from './http/tickets.controller.js';
import { UsersController } from './http/users.controller.js';
import { loadUsersConfig } from './users-config.js';
import { USERS_SERVICE, UsersService } from './users-service.js';

@Injectable()
class FirstAdminOnStart implements OnApplicationBootstrap {
  constructor(
    @Inject(USERS_SERVICE) private readonly svc: UsersService,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    await ensureFirstAdmin(this.svc.users, this.svc.config, this.log);
  }
}

/**
 * Users, roles, sessions, CSRF, login throttling, node enrollment, download audit (issue 7).
 * `forContext` attaches the user authority to the collector's AccessTokens, so the existing
 * guards accept node tokens and session cookies (with the route policy) besides bearer tokens.
 */
@Module({})
export class UsersModule implements NestModule {
  static forContext(ctx: CollectorContext): DynamicModule {
    const svc = new UsersService(ctx, loadUsersConfig());
    ctx.access.users = svc.authority;
    return {
      module: UsersModule,
      controllers: [
        SessionController,
        UsersController,
        EnrollmentController,
        AuditController,
        TicketsController,
      ],
      providers: [
        { provide: USERS_SERVICE, useValue: svc },
        { provide: ACCESS_TOKENS, useValue: ctx.access },
        { provide: DUMPS_REPOSITORY, useValue: ctx.dumps },
        { provide: ROOT_LOGGER, useValue: ctx.logger },
        AdminGuard,
        FirstAdminOnStart,
      ],
      exports: [USERS_SERVICE],
    };
  }

  constructor(
    @Inject(USERS_SERVICE) private readonly svc: UsersService,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(downloadAuditMiddleware(this.svc.audit, this.svc.authority, this.log))
      .forRoutes({ path: 'api/v1/dumps/{*path}', method: RequestMethod.GET });
  }
}
