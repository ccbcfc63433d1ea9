/**
 * Behind a balancer every request comes from the balancer's address. TRUST_PROXY names the
 * peers whose X-Forwarded-For is believed, so login throttling counts real clients; without it
 * the header is ignored, so a client cannot dodge the per-address limit by inventing addresses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from './harness.js';

const LIMIT = 4;
let c: RunningCollector | null = null;
afterEach(async () => {
  await c?.stop();
  c = null;
});

async function start(env: Record<string, string>): Promise<RunningCollector> {
  c = await startCollector({
    env: { LOGIN_MAX_FAILURES_PER_ADDRESS: String(LIMIT), LOGIN_MAX_FAILURES: '100', ...env },
  });
  return c;
}

/** A failed login of a fresh user name, "from" the given forwarded address. */
async function failFrom(col: RunningCollector, forwarded: string, n: number): Promise<number> {
  const res = await fetch(`${col.url}/api/v1/session/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: col.url, 'X-Forwarded-For': forwarded },
    body: JSON.stringify({ username: `nobody-${n}`, password: 'wrong-password-xx' }),
  });
  return res.status;
}

describe('TRUST_PROXY', () => {
  it('with the balancer trusted, each forwarded client has its own login window', async () => {
    const col = await start({ TRUST_PROXY: 'loopback' });
    for (let i = 0; i < LIMIT; i++) expect(await failFrom(col, '203.0.113.7', i)).toBe(401);
    expect(await failFrom(col, '203.0.113.7', 99)).toBe(429);
    // another client behind the same balancer is not locked out by the first one's failures
    expect(await failFrom(col, '203.0.113.8', 100)).toBe(401);
  });

  it('untrusted, X-Forwarded-For is ignored: the socket peer is the client', async () => {
    const col = await start({});
    for (let i = 0; i < LIMIT; i++) expect(await failFrom(col, `198.51.100.${i}`, i)).toBe(401);
    expect(await failFrom(col, '198.51.100.200', 99)).toBe(429);
  });

  it('refuses to trust everyone, naming the variable', async () => {
    const col = await startCollector({ env: { TRUST_PROXY: 'true' }, waitLive: false });
    expect(await col.exited).toBe(2);
    expect(col.output()).toMatch(/TRUST_PROXY/);
  });
});
