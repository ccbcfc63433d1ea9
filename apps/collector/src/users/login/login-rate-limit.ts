/**
 * Login throttling by failures, in memory (one collector process per DATA_DIR, see the collector
 * README). Two windows: per (client address, user name) — stops guessing one account — and per
 * client address — stops spraying many accounts. A success clears the (address, user) window.
 * Hand-written: ~40 lines, and the libraries for this bring stores and options we do not need.
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

interface Window {
  failures: number;
  resetAt: number;
}

export class LoginRateLimit {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly opts: LoginRateLimitOptions = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  private live(key: string): Window | null {
    const w = this.windows.get(key);
    if (!w) return null;
    if (w.resetAt <= this.now()) {
      this.windows.delete(key);
      return null;
    }
    return w;
  }

  /** Milliseconds until the next attempt is allowed; 0 when it is allowed now. */
  retryAfterMs(address: string, username: string): number {
    const user = this.live(`u:${address}:${username.toLowerCase()}`);
    const addr = this.live(`a:${address}`);
    let wait = 0;
    if (user && user.failures >= this.opts.maxFailuresPerUser) wait = user.resetAt - this.now();
    if (addr && addr.failures >= this.opts.maxFailuresPerAddress)
      wait = Math.max(wait, addr.resetAt - this.now());
    return Math.max(0, wait);
  }

  recordFailure(address: string, username: string): void {
    for (const key of [`u:${address}:${username.toLowerCase()}`, `a:${address}`]) {
      const w = this.live(key) ?? { failures: 0, resetAt: this.now() + this.opts.windowMs };
      w.failures += 1;
      this.windows.set(key, w);
    }
    if (this.windows.size > 100_000) this.sweep();
  }

  recordSuccess(address: string, username: string): void {
    this.windows.delete(`u:${address}:${username.toLowerCase()}`);
  }

  private sweep(): void {
    for (const key of [...this.windows.keys()]) this.live(key);
  }
}
