import { useMemo, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Drill, Liveness, NodeSummary, ReadinessReport } from '../api/types.js';
import { LivenessCell } from '../components/liveness-cell.js';
import { ago, when } from '../format.js';
import { useFetch } from '../use-fetch.js';

type Status = 'ready' | 'not-ready' | 'stale' | 'no-report';

interface FleetNode extends NodeSummary {
  status: Status;
  report: ReadinessReport | null;
  lastDrill: Drill | null;
  liveness: Liveness;
}

type Listed = NodeSummary & { liveness?: Liveness };

function statusOf(n: NodeSummary): Status {
  if (n.reports === 0) return 'no-report';
  if (n.stale) return 'stale';
  return n.ready ? 'ready' : 'not-ready';
}

const STATUS_LABEL: Record<Status, string> = {
  ready: 'ready',
  'not-ready': 'not ready',
  stale: 'report stale',
  'no-report': 'no report',
};

const NO_HEARTBEAT: Liveness = {
  state: 'unknown',
  since: null,
  lastHeartbeatAt: null,
  stuck: [],
  evidence: [],
};

/** A node that sends heartbeats (`kdumpfleet watch`) but never a readiness report. */
function heartbeatOnly(node: string, liveness: Liveness): Listed {
  return {
    node,
    ready: false,
    verdict: '',
    findingsCount: 0,
    errors: 0,
    warnings: 0,
    kernelRelease: null,
    lastReportAt: '',
    snapshotAt: '',
    stale: false,
    reports: 0,
    liveness,
  };
}

/** GET /api/v1/nodes, then each node's last report (findings) and drills. */
async function loadFleet(): Promise<{
  nodes: FleetNode[];
  staleAfterSeconds: number;
  deadAfterSeconds: number | null;
}> {
  const list = await api<{
    nodes: Listed[];
    heartbeatOnly?: { node: string; liveness: Liveness }[];
    staleAfterSeconds: number;
    deadAfterSeconds?: number;
  }>('/api/v1/nodes');
  const all = [
    ...list.nodes,
    ...(list.heartbeatOnly ?? []).map((h) => heartbeatOnly(h.node, h.liveness)),
  ];
  const nodes = await Promise.all(
    all.map(async (n): Promise<FleetNode> => {
      const enc = encodeURIComponent(n.node);
      const [detail, drills] = await Promise.all([
        n.findingsCount > 0
          ? api<{ report: ReadinessReport }>(`/api/v1/nodes/${enc}`).catch(() => null)
          : Promise.resolve(null),
        api<{ drills: Drill[] }>(`/api/v1/nodes/${enc}/drills`).catch(() => null),
      ]);
      return {
        ...n,
        status: statusOf(n),
        report: detail?.report ?? null,
        lastDrill: drills?.drills[0] ?? null,
        liveness: n.liveness ?? NO_HEARTBEAT,
      };
    }),
  );
  return {
    nodes,
    staleAfterSeconds: list.staleAfterSeconds,
    deadAfterSeconds: list.deadAfterSeconds ?? null,
  };
}

type SortKey = 'node' | 'status' | 'liveness' | 'lastReportAt' | 'kernelRelease';
const STATUS_ORDER: Record<Status, number> = {
  'not-ready': 0,
  'no-report': 1,
  stale: 2,
  ready: 3,
};
/** The ones needing a look first: stuck, then silent. */
const LIVENESS_ORDER: Record<Liveness['state'], number> = {
  undead: 0,
  dead: 1,
  unknown: 2,
  alive: 3,
};

function Findings({ n }: { n: FleetNode }) {
  if (n.status === 'no-report')
    return (
      <span class="muted">
        no readiness report yet (<code>kdumpfleet report</code>)
      </span>
    );
  if (n.findingsCount === 0) return <span class="muted">all checks pass</span>;
  const findings = n.report?.findings ?? [];
  const titles = new Map((n.report?.checks ?? []).map((c) => [c.id, c.title]));
  if (findings.length === 0)
    return (
      <span>
        {n.errors} failing, {n.warnings} warnings
      </span>
    );
  return (
    <ul class="findings">
      {findings.map((f) => (
        <li class={`finding sev-${f.severity}`} data-testid="finding">
          <div>
            <span class={`sev sev-${f.severity}`}>{f.severity}</span>{' '}
            <strong>{titles.get(f.id) ?? f.id}</strong> <code class="muted">{f.id}</code>
          </div>
          <div class="finding-msg">{f.message}</div>
          {f.remediation && (
            <div class="remedy">
              <span class="muted">Fix:</span> <code>{f.remediation}</code>
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

export function FleetScreen() {
  const fleet = useFetch('fleet', loadFleet);
  const [filter, setFilter] = useState('');
  const [status, setStatus] = useState<'all' | Status>('all');
  const [sort, setSort] = useState<SortKey>('status');

  const nodes = fleet.data?.nodes ?? [];
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return nodes
      .filter((n) => status === 'all' || n.status === status)
      .filter(
        (n) =>
          !q ||
          n.node.toLowerCase().includes(q) ||
          (n.kernelRelease ?? '').toLowerCase().includes(q) ||
          (n.report?.findings ?? []).some(
            (f) => f.id.includes(q) || f.message.toLowerCase().includes(q),
          ),
      )
      .sort((a, b) => {
        if (sort === 'status')
          return STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.node.localeCompare(b.node);
        if (sort === 'liveness')
          return (
            LIVENESS_ORDER[a.liveness.state] - LIVENESS_ORDER[b.liveness.state] ||
            a.node.localeCompare(b.node)
          );
        if (sort === 'lastReportAt') return b.lastReportAt.localeCompare(a.lastReportAt);
        if (sort === 'kernelRelease')
          return (
            (a.kernelRelease ?? '').localeCompare(b.kernelRelease ?? '') ||
            a.node.localeCompare(b.node)
          );
        return a.node.localeCompare(b.node);
      });
  }, [nodes, filter, status, sort]);

  const ready = nodes.filter((n) => n.status === 'ready').length;
  const notReady = nodes.filter((n) => n.status === 'not-ready').length;
  const stale = nodes.filter((n) => n.status === 'stale').length;
  const live = (s: Liveness['state']) => nodes.filter((n) => n.liveness.state === s).length;

  return (
    <section>
      <div class="title-row">
        <h1>Fleet readiness</h1>
        <button type="button" class="secondary" onClick={fleet.reload}>
          Refresh
        </button>
      </div>
      {fleet.error && <p class="error">{fleet.error.message}</p>}
      <div class="summary">
        <div class="big" data-testid="fleet-summary">
          <strong>{ready}</strong> of <strong>{nodes.length}</strong> nodes ready
        </div>
        <div class="pills">
          <span class="pill ready">{ready} ready</span>
          <span class="pill not-ready">{notReady} not ready</span>
          <span class="pill stale">{stale} report stale</span>
          {fleet.data && (
            <span class="muted">
              stale after {Math.round(fleet.data.staleAfterSeconds / 60)} min without a report
            </span>
          )}
        </div>
        <div class="pills" data-testid="liveness-summary">
          <span class="pill live-alive">{live('alive')} alive</span>
          <span class="pill live-undead">{live('undead')} undead</span>
          <span class="pill live-dead">{live('dead')} dead</span>
          {fleet.data?.deadAfterSeconds && (
            <span class="muted">
              dead after {fleet.data.deadAfterSeconds} s without a heartbeat
            </span>
          )}
        </div>
      </div>
      <div class="toolbar">
        <input
          type="search"
          placeholder="Filter: node, kernel, check…"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
          aria-label="Filter nodes"
        />
        <select
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as 'all' | Status)}
          aria-label="Status"
        >
          <option value="all">All states</option>
          <option value="ready">Ready</option>
          <option value="not-ready">Not ready</option>
          <option value="stale">Report stale</option>
          <option value="no-report">No report</option>
        </select>
        <label class="inline">
          Sort by{' '}
          <select
            value={sort}
            onChange={(e) => setSort(e.currentTarget.value as SortKey)}
            aria-label="Sort"
          >
            <option value="status">state</option>
            <option value="liveness">liveness</option>
            <option value="node">node</option>
            <option value="lastReportAt">last report</option>
            <option value="kernelRelease">kernel</option>
          </select>
        </label>
      </div>
      {fleet.loading && !fleet.data && <p class="muted">Loading…</p>}
      {fleet.data && nodes.length === 0 && (
        <p class="muted">
          No node has reported yet. Run <code>kdumpfleet report</code> on a host.
        </p>
      )}
      {shown.length > 0 && (
        <table class="grid" data-testid="fleet-table">
          <thead>
            <tr>
              <th>Node</th>
              <th>State</th>
              <th>Liveness</th>
              <th>Failing checks and remediation</th>
              <th>Kernel</th>
              <th>Last report</th>
              <th>Last drill</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((n) => (
              <tr
                data-testid="node-row"
                data-node={n.node}
                data-status={n.status}
                data-liveness={n.liveness.state}
              >
                <td class="node">{n.node}</td>
                <td>
                  <span class={`badge ${n.status}`}>{STATUS_LABEL[n.status]}</span>
                  {n.status === 'stale' && (
                    <div class="muted small">last verdict: {n.ready ? 'ready' : 'not ready'}</div>
                  )}
                </td>
                <td class="liveness">
                  <LivenessCell l={n.liveness} />
                </td>
                <td class="wide">
                  <Findings n={n} />
                </td>
                <td>
                  <code>{n.kernelRelease ?? '—'}</code>
                </td>
                <td title={n.lastReportAt ? when(n.lastReportAt) : 'never'}>
                  {n.lastReportAt ? ago(n.lastReportAt) : 'never'}
                  <div class="muted small">
                    {n.reports} report{n.reports === 1 ? '' : 's'}
                  </div>
                </td>
                <td>
                  {n.lastDrill ? (
                    <>
                      <span class={`badge drill-${n.lastDrill.state}`}>{n.lastDrill.state}</span>
                      <div class="small">{n.lastDrill.scenario}</div>
                      <div class="muted small">{ago(n.lastDrill.createdAt)}</div>
                      {n.lastDrill.dumpId && <a href={`/dumps/${n.lastDrill.dumpId}`}>its dump</a>}
                    </>
                  ) : (
                    <span class="muted">never</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {fleet.data && nodes.length > 0 && shown.length === 0 && (
        <p class="muted">No node matches the filter.</p>
      )}
    </section>
  );
}
