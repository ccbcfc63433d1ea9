import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseDialects } from '../../../../../test/pg/dialects.js';
import type { CollectorDb } from '../../db/database.js';
import { LoginRateLimit, type LoginThrottleTable } from './login-rate-limit.js';

// The windows live in the database: the same behaviour on SQLite and PostgreSQL, and two
// limiters on one database (two collector instances) share their counts.
describe.each(databaseDialects('login rate limit'))('login rate limit on %s', (_n, make, skip) => {
  const dbs = make();
  let db: CollectorDb;
  const opts = { windowMs: 60_000, maxFailuresPerUser: 3, maxFailuresPerAddress: 5 };
  const throttle = (d: CollectorDb) => d.withTables<{ login_throttle: LoginThrottleTable }>();
  let scope = 0;
  const limiter = (now: () => number, d = db) =>
    new LoginRateLimit(throttle(d), `t${++scope}`, opts, now);

  beforeAll(async () => {
    if (!skip) db = await dbs.open();
  }, 60_000);
  afterAll(async () => {
    if (skip) return;
    await db?.destroy();
    await dbs.close();
  });

  it.skipIf(skip)(
    'blocks one account after N failures from one address until the window ends',
    async () => {
      let now = 1_000_000;
      const rl = limiter(() => now);
      for (let i = 0; i < 3; i++) {
        expect(await rl.retryAfterMs('10.0.0.1', 'alice')).toBe(0);
        await rl.recordFailure('10.0.0.1', 'alice');
      }
      expect(await rl.retryAfterMs('10.0.0.1', 'alice')).toBe(60_000);
      expect(await rl.retryAfterMs('10.0.0.1', 'ALICE')).toBe(60_000);
      expect(await rl.retryAfterMs('10.0.0.2', 'alice')).toBe(0);
      expect(await rl.retryAfterMs('10.0.0.1', 'bob')).toBe(0);
      now += 59_999;
      expect(await rl.retryAfterMs('10.0.0.1', 'alice')).toBe(1);
      now += 1;
      expect(await rl.retryAfterMs('10.0.0.1', 'alice')).toBe(0);
      // an expired window starts over: one failure is not a block
      await rl.recordFailure('10.0.0.1', 'alice');
      expect(await rl.retryAfterMs('10.0.0.1', 'alice')).toBe(0);
    },
  );

  it.skipIf(skip)('blocks an address spraying many accounts', async () => {
    const rl = limiter(() => 0);
    for (const u of ['a', 'b', 'c', 'd', 'e']) await rl.recordFailure('10.0.0.9', u);
    expect(await rl.retryAfterMs('10.0.0.9', 'fresh-user')).toBeGreaterThan(0);
    expect(await rl.retryAfterMs('10.0.0.10', 'fresh-user')).toBe(0);
  });

  it.skipIf(skip)('a success clears the account window, not the address window', async () => {
    const rl = limiter(() => 0);
    await rl.recordFailure('h', 'alice');
    await rl.recordFailure('h', 'alice');
    await rl.recordSuccess('h', 'alice');
    await rl.recordFailure('h', 'alice');
    await rl.recordFailure('h', 'alice');
    expect(await rl.retryAfterMs('h', 'alice')).toBe(0);
    await rl.recordFailure('h', 'alice');
    // 5 failures from h in total: the address window is full too
    expect(await rl.retryAfterMs('h', 'someone-else')).toBeGreaterThan(0);
  });

  it.skipIf(skip)(
    'two instances count the same failures, also when they fail at the same time',
    async () => {
      const other = await dbs.again();
      try {
        const s = ++scope;
        const a = new LoginRateLimit(throttle(db), `t${s}`, opts, () => 0);
        const b = new LoginRateLimit(throttle(other), `t${s}`, opts, () => 0);
        await Promise.all([
          a.recordFailure('10.1.1.1', 'carol'),
          b.recordFailure('10.1.1.1', 'carol'),
          b.recordFailure('10.1.1.1', 'carol'),
        ]);
        // 3 failures spread over two instances: both refuse the next attempt
        expect(await a.retryAfterMs('10.1.1.1', 'carol')).toBe(60_000);
        expect(await b.retryAfterMs('10.1.1.1', 'carol')).toBe(60_000);
        // scopes are separate limits
        const enroll = new LoginRateLimit(throttle(db), `other${s}`, opts, () => 0);
        expect(await enroll.retryAfterMs('10.1.1.1', 'carol')).toBe(0);
      } finally {
        await other.destroy();
      }
    },
  );
});
