import { describe, expect, it } from 'vitest';
import { LoginRateLimit } from './login-rate-limit.js';

describe('login rate limit', () => {
  const opts = { windowMs: 60_000, maxFailuresPerUser: 3, maxFailuresPerAddress: 5 };

  it('blocks one account after N failures from one address until the window ends', () => {
    let now = 1_000_000;
    const rl = new LoginRateLimit(opts, () => now);
    for (let i = 0; i < 3; i++) {
      expect(rl.retryAfterMs('10.0.0.1', 'alice')).toBe(0);
      rl.recordFailure('10.0.0.1', 'alice');
    }
    expect(rl.retryAfterMs('10.0.0.1', 'alice')).toBe(60_000);
    expect(rl.retryAfterMs('10.0.0.1', 'ALICE')).toBe(60_000);
    expect(rl.retryAfterMs('10.0.0.2', 'alice')).toBe(0);
    expect(rl.retryAfterMs('10.0.0.1', 'bob')).toBe(0);
    now += 59_999;
    expect(rl.retryAfterMs('10.0.0.1', 'alice')).toBe(1);
    now += 1;
    expect(rl.retryAfterMs('10.0.0.1', 'alice')).toBe(0);
  });

  it('blocks an address spraying many accounts', () => {
    const rl = new LoginRateLimit(opts, () => 0);
    for (const u of ['a', 'b', 'c', 'd', 'e']) rl.recordFailure('10.0.0.9', u);
    expect(rl.retryAfterMs('10.0.0.9', 'fresh-user')).toBeGreaterThan(0);
    expect(rl.retryAfterMs('10.0.0.10', 'fresh-user')).toBe(0);
  });

  it('a success clears the account window, not the address window', () => {
    const rl = new LoginRateLimit(opts, () => 0);
    rl.recordFailure('h', 'alice');
    rl.recordFailure('h', 'alice');
    rl.recordSuccess('h', 'alice');
    rl.recordFailure('h', 'alice');
    rl.recordFailure('h', 'alice');
    expect(rl.retryAfterMs('h', 'alice')).toBe(0);
    rl.recordFailure('h', 'alice');
    // 5 failures from h in total: the address window is full too
    expect(rl.retryAfterMs('h', 'someone-else')).toBeGreaterThan(0);
  });
});
