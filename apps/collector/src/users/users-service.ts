import type { CollectorContext } from '../collector-context.js';
import { DownloadAudit } from './audit/download-audit.js';
import { UserAuthority } from './auth/user-authority.js';
import { DumpTickets } from './db/dump-tickets.js';
import { withUsersTables } from './db/users-schema.js';
import { UsersRepository } from './db/users.repository.js';
import { NodeEnrollment } from './enrollment/enrollment-tokens.js';
import { LoginRateLimit, type LoginThrottleTable } from './login/login-rate-limit.js';
import { SessionStore } from './sessions/session-store.js';
import type { UsersConfig } from './users-config.js';

export const USERS_SERVICE = Symbol('UsersService');

/** Everything of the users module, built once from the collector context. */
export class UsersService {
  readonly users: UsersRepository;
  readonly sessions: SessionStore;
  readonly enrollment: NodeEnrollment;
  readonly audit: DownloadAudit;
  readonly tickets: DumpTickets;
  readonly loginLimit: LoginRateLimit;
  /** enrollment attempts are throttled like sign-ins (per address) */
  readonly enrollLimit: LoginRateLimit;
  readonly authority: UserAuthority;

  constructor(
    ctx: CollectorContext,
    readonly config: UsersConfig,
  ) {
    const db = withUsersTables(ctx.db);
    this.users = new UsersRepository(db);
    this.sessions = new SessionStore(db, {
      absoluteMs: config.sessionMaxAgeMs,
      idleMs: config.sessionIdleMs,
    });
    this.enrollment = new NodeEnrollment(db);
    this.audit = new DownloadAudit(db);
    this.tickets = new DumpTickets(db);
    const limits = {
      windowMs: config.loginRateWindowMs,
      maxFailuresPerUser: config.loginMaxFailures,
      maxFailuresPerAddress: config.loginMaxFailuresPerAddress,
    };
    const throttle = ctx.db.withTables<{ login_throttle: LoginThrottleTable }>();
    this.loginLimit = new LoginRateLimit(throttle, 'login', limits);
    this.enrollLimit = new LoginRateLimit(throttle, 'enroll', limits);
    this.authority = new UserAuthority(ctx.access, this.sessions, this.enrollment);
  }
}
