import { CollectorError, errorForStatus } from '../upload/collector-errors.js';

export interface DrillRecord {
  id: string;
  node: string;
  scenario: string;
  state: 'pending' | 'passed' | 'failed';
  createdAt: string;
  deadlineAt: string;
  dumpId: string | null;
}

async function call(url: string, init: RequestInit, what: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new CollectorError(
      'UNREACHABLE',
      `${what}: collector unreachable: ${(err as Error).message}`,
    );
  }
  if (!res.ok) throw errorForStatus(res.status, await res.text(), what);
  return res.json();
}

export async function registerDrill(
  collectorUrl: string,
  token: string,
  node: string,
  scenario: string,
  windowSeconds: number,
): Promise<DrillRecord> {
  return (await call(
    `${collectorUrl}/api/v1/nodes/${encodeURIComponent(node)}/drills`,
    {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ scenario, windowSeconds }),
    },
    'registering the drill',
  )) as DrillRecord;
}

export async function listDrills(
  collectorUrl: string,
  token: string,
  node: string,
): Promise<DrillRecord[]> {
  const body = (await call(
    `${collectorUrl}/api/v1/nodes/${encodeURIComponent(node)}/drills`,
    { headers: { Authorization: `Bearer ${token}` } },
    'listing drills',
  )) as { drills: DrillRecord[] };
  return body.drills;
}
