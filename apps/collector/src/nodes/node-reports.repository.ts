import { randomUUID } from 'node:crypto';
import type { ReadinessReport } from '@kdumpfleet/contracts';
import type { NodesDb } from './nodes-schema.js';

export interface NodeSummary {
  node: string;
  ready: boolean;
  verdict: string;
  findingsCount: number;
  errors: number;
  warnings: number;
  kernelRelease: string | null;
  lastReportAt: string;
  snapshotAt: string;
  stale: boolean;
  reports: number;
}

export interface StoredReport {
  id: string;
  node: string;
  receivedAt: string;
  ready: boolean;
  verdict: string;
}

/** Readiness reports per node: every report is a row; the newest is the node's state. */
export class NodeReportsRepository {
  constructor(
    private readonly db: NodesDb,
    private readonly historyLimit: number,
  ) {}

  async add(node: string, report: ReadinessReport, now = new Date()): Promise<StoredReport> {
    const id = randomUUID();
    const receivedAt = now.toISOString();
    const count = (sev: string) => report.findings.filter((f) => f.severity === sev).length;
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('node_reports')
        .values({
          id,
          node,
          received_at: receivedAt,
          snapshot_at: report.snapshotAt,
          ready: report.ready ? 1 : 0,
          verdict: report.verdict,
          findings_count: report.findings.length,
          errors_count: count('error'),
          warnings_count: count('warning'),
          kernel_release: report.kernelRelease,
          report: JSON.stringify(report),
        })
        .execute();
      // Keep the newest historyLimit reports of this node.
      const old = await tx
        .selectFrom('node_reports')
        .select('id')
        .where('node', '=', node)
        .orderBy('received_at', 'desc')
        .orderBy('id', 'desc')
        .offset(this.historyLimit)
        .limit(1000)
        .execute();
      if (old.length)
        await tx
          .deleteFrom('node_reports')
          .where(
            'id',
            'in',
            old.map((r) => r.id),
          )
          .execute();
    });
    return { id, node, receivedAt, ready: report.ready, verdict: report.verdict };
  }

  async list(staleAfterMs: number, now = Date.now()): Promise<NodeSummary[]> {
    const latest = await this.db
      .selectFrom('node_reports as r')
      .selectAll('r')
      .select((eb) =>
        eb
          .selectFrom('node_reports as c')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('c.node', '=', 'r.node')
          .as('reports'),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('node_reports as n')
              .select('n.id')
              .whereRef('n.node', '=', 'r.node')
              .where((eb) =>
                eb.or([
                  eb('n.received_at', '>', eb.ref('r.received_at')),
                  eb.and([
                    eb('n.received_at', '=', eb.ref('r.received_at')),
                    eb('n.id', '>', eb.ref('r.id')),
                  ]),
                ]),
              ),
          ),
        ),
      )
      .orderBy('r.node')
      .execute();
    return latest.map((r) => summary(r, Number(r.reports ?? 1), staleAfterMs, now));
  }

  async latest(node: string): Promise<{ row: NodeRow; reports: number } | null> {
    const row = await this.db
      .selectFrom('node_reports')
      .selectAll()
      .where('node', '=', node)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return null;
    const n = await this.db
      .selectFrom('node_reports')
      .select((e) => e.fn.countAll<number>().as('n'))
      .where('node', '=', node)
      .executeTakeFirstOrThrow();
    return { row, reports: Number(n.n) };
  }

  async history(node: string, limit: number) {
    const rows = await this.db
      .selectFrom('node_reports')
      .select([
        'id',
        'received_at',
        'snapshot_at',
        'ready',
        'verdict',
        'findings_count',
        'kernel_release',
      ])
      .where('node', '=', node)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      receivedAt: r.received_at,
      snapshotAt: r.snapshot_at,
      ready: r.ready === 1,
      verdict: r.verdict,
      findingsCount: r.findings_count,
      kernelRelease: r.kernel_release,
    }));
  }
}

export type NodeRow = {
  node: string;
  received_at: string;
  snapshot_at: string;
  ready: number;
  verdict: string;
  findings_count: number;
  errors_count: number;
  warnings_count: number;
  kernel_release: string | null;
  report: string;
};

export function summary(
  r: NodeRow,
  reports: number,
  staleAfterMs: number,
  now: number,
): NodeSummary {
  return {
    node: r.node,
    ready: r.ready === 1,
    verdict: r.verdict,
    findingsCount: r.findings_count,
    errors: r.errors_count,
    warnings: r.warnings_count,
    kernelRelease: r.kernel_release,
    lastReportAt: r.received_at,
    snapshotAt: r.snapshot_at,
    stale: now - Date.parse(r.received_at) > staleAfterMs,
    reports,
  };
}
