import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

/**
 * Login throttling by failures. Two windows: per (client address, user name) — stops guessing
 * one account — and per client address — stops spraying many accounts. A success clears the
 * (address, user) window. The windows live in the database (table `login_throttle`, migration
 * 0500), so N collector instances behind a load balancer count the same failures: a guesser
 * gains nothing by landing on another instance. Hand-written: the libraries for this bring
 * stores and options we do not need.
 */
export interface LoginRateLimitOptions {
  windowMs: number;
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginRateLimitOptions = {
  windowMs: 15 * 60_000,
  maxFailuresPerUser: 5,
  maxFailuresPerAddress: 20,
};

export interface LoginThrottleTable {
  /** sha256 hex of `scope`, window kind, address (and lower-cased user name) */
  key: string;
  failures: number;
  /** ISO-8601 UTC: the window ends (and its count resets) here */
  reset_at: string;
}

export type LoginThrottleDb = Kysely<{ login_throttle: LoginThrottleTable }>;

/** Expired windows are deleted every this many failures (cheap, bounded table). */
const SWEEP_EVERY = 500;

export class LoginRateLimit {
  private failuresSinceSweep = 0;

  /** `scope` keeps separate limits apart in the one table (`login`, `enroll`). */
  constructor(
    private readonly db: LoginThrottleDb,
    private readonly scope: string,
    private readonly opts: LoginRateLimitOptions = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  private key(kind: 'u' | 'a', address: string, username = ''): string {
    const parts =
      kind === 'u'
        ? [this.scope, kind, address, username.toLowerCase()]
        : [this.scope, kind, address];
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  }

  /** Milliseconds until the next attempt is allowed; 0 when it is allowed now. */
  async retryAfterMs(address: string, username: string): Promise<number> {
    const now = this.now();
    const userKey = this.key('u', address, username);
    const addrKey = this.key('a', address);
    const rows = await this.db
      .selectFrom('login_throttle')
      .select(['key', 'failures', 'reset_at'])
      .where('key', 'in', [userKey, addrKey])
      .where('reset_at', '>', new Date(now).toISOString())
      .execute();
    let wait = 0;
    for (const r of rows) {
      const limit =
        r.key === userKey ? this.opts.maxFailuresPerUser : this.opts.maxFailuresPerAddress;
      if (Number(r.failures) >= limit) wait = Math.max(wait, Date.parse(r.reset_at) - now);
    }
    return Math.max(0, wait);
  }

  /** Counts a failure in both windows (one atomic upsert each: concurrent instances add up). */
  async recordFailure(address: string, username: string): Promise<void> {
    const now = this.now();
    const nowIso = new Date(now).toISOString();
    const resetAt = new Date(now + this.opts.windowMs).toISOString();
    for (const key of [this.key('u', address, username), this.key('a', address)]) {
      await this.db
        .insertInto('login_throttle')
        .values({ key, failures: 1, reset_at: resetAt })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            // an expired window starts over at 1 with a new end; a live one counts up
            failures: eb
              .case()
              .when('login_throttle.reset_at', '<=', nowIso)
              .then(1)
              .else(eb('login_throttle.failures', '+', 1))
              .end(),
            reset_at: eb
              .case()
              .when('login_throttle.reset_at', '<=', nowIso)
              .then(resetAt)
              .else(eb.ref('login_throttle.reset_at'))
              .end(),
          })),
        )
        .execute();
    }
    if (++this.failuresSinceSweep >= SWEEP_EVERY) {
      this.failuresSinceSweep = 0;
      await this.db.deleteFrom('login_throttle').where('reset_at', '<=', nowIso).execute();
    }
  }

  async recordSuccess(address: string, username: string): Promise<void> {
    await this.db
      .deleteFrom('login_throttle')
      .where('key', '=', this.key('u', address, username))
      .execute();
  }
}
