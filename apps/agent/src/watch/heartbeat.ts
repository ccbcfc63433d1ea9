import type { WatchVerdict } from '@kdumpfleet/contracts';

/** The collector refused or could not be reached: one line, the watcher keeps going. */
export class HeartbeatError extends Error {
  readonly code = 'HEARTBEAT';
  constructor(
    readonly status: number | null,
    detail: string,
  ) {
    super(`heartbeat: ${detail}`);
    this.name = 'HeartbeatError';
  }
}

/** POST the verdict to `/api/v1/nodes/:node/heartbeat` with a short timeout of its own. */
export async function sendHeartbeat(
  collectorUrl: string,
  token: string,
  verdict: WatchVerdict,
  timeoutMs = 10_000,
): Promise<void> {
  const url = `${collectorUrl}/api/v1/nodes/${encodeURIComponent(verdict.node)}/heartbeat`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(verdict),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new HeartbeatError(null, `${url}: ${(err as Error).message}`);
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).slice(0, 300);
    throw new HeartbeatError(res.status, `${url}: HTTP ${res.status} ${text}`);
  }
}
