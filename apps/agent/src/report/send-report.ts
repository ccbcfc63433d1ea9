import type { ReadinessReport } from '@kdumpfleet/contracts';
import { evaluateReadiness, readHostSnapshot } from '@kdumpfleet/readiness';
import { runToolVersion } from '../readiness/tool-versions.js';
import { CollectorError, errorForStatus } from '../upload/collector-errors.js';

/** This host's readiness report, exactly what `check --json` prints. */
export async function buildReport(root = '/'): Promise<ReadinessReport> {
  const snapshot = await readHostSnapshot(root, { runVersion: runToolVersion });
  return evaluateReadiness(snapshot);
}

export interface SentReport {
  id: string;
  node: string;
  receivedAt: string;
  ready: boolean;
  verdict: string;
}

/** POST /api/v1/nodes/:node/readiness with the upload token; retried on network/5xx errors. */
export async function sendReport(
  collectorUrl: string,
  token: string,
  node: string,
  report: ReadinessReport,
  retryDelays: number[] = [1000, 3000, 10000],
): Promise<SentReport> {
  const url = `${collectorUrl}/api/v1/nodes/${encodeURIComponent(node)}/readiness`;
  for (let attempt = 0; ; attempt++) {
    let err: CollectorError;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(30_000),
      });
      if (res.ok) return (await res.json()) as SentReport;
      err = errorForStatus(res.status, await res.text(), 'report');
    } catch (e) {
      err =
        e instanceof CollectorError
          ? e
          : new CollectorError(
              'UNREACHABLE',
              `report: collector unreachable: ${(e as Error).message}`,
            );
    }
    if (!err.transient || attempt >= retryDelays.length) throw err;
    await new Promise((r) => setTimeout(r, retryDelays[attempt]));
  }
}
