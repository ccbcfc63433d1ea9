import { api } from '../api/client.js';
import type { BucketDetail, DumpList, DumpAnalysis } from '../api/types.js';
import { CrashChart } from '../components/crash-chart.js';
import { ago, bytes, when } from '../format.js';
import { useFetch } from '../use-fetch.js';
import type { Bucket } from '../api/types.js';

/** Buckets with their dumps' crash times (for the charts): one detail call per bucket. */
async function loadBuckets(): Promise<BucketDetail[]> {
  const list = await api<{ items: Bucket[] }>('/api/v1/buckets');
  return Promise.all(
    list.items
      .slice(0, 200)
      .map((b) => api<BucketDetail>(`/api/v1/buckets/${b.id}`).catch(() => ({ ...b, dumps: [] }))),
  );
}

interface RecentDump {
  id: string;
  node: string;
  filename: string;
  size: number;
  createdAt: string;
  analysis: DumpAnalysis | null;
}

async function loadRecent(): Promise<RecentDump[]> {
  const list = await api<DumpList>('/api/v1/dumps?limit=20');
  return Promise.all(
    list.items.map(async (d) => ({
      id: d.id,
      node: d.node,
      filename: d.filename,
      size: d.size,
      createdAt: d.createdAt,
      analysis: await api<DumpAnalysis>(`/api/v1/dumps/${d.id}/analysis`).catch(() => null),
    })),
  );
}

function crashTimes(b: BucketDetail): string[] {
  return b.dumps.map((d) => d.crashTime ?? d.createdAt);
}

export function CrashesScreen() {
  const buckets = useFetch('buckets', loadBuckets);
  const recent = useFetch('recent', loadRecent);
  const all = (buckets.data ?? []).flatMap(crashTimes);
  const total = (buckets.data ?? []).reduce((s, b) => s + b.count, 0);

  return (
    <section>
      <div class="title-row">
        <h1>Crashes</h1>
        <button type="button" class="secondary" onClick={() => (buckets.reload(), recent.reload())}>
          Refresh
        </button>
      </div>
      {buckets.error && <p class="error">{buckets.error.message}</p>}
      <div class="card chart-card">
        <div class="muted">
          {total} crash{total === 1 ? '' : 'es'} in {buckets.data?.length ?? 0} bucket
          {buckets.data?.length === 1 ? '' : 's'} — crashes per day (crash time, else upload time)
        </div>
        <CrashChart times={all} label="crashes per day, all buckets" />
      </div>
      {buckets.data && buckets.data.length === 0 && (
        <p class="muted">No crash has been bucketed yet (buckets appear once a dump is triaged).</p>
      )}
      {buckets.data && buckets.data.length > 0 && (
        <table class="grid" data-testid="buckets-table">
          <thead>
            <tr>
              <th>Crash</th>
              <th>Kind</th>
              <th class="num">Count</th>
              <th>First / last seen</th>
              <th>Kernels</th>
              <th>Nodes</th>
              <th>Last 30 days</th>
            </tr>
          </thead>
          <tbody>
            {buckets.data.map((b) => (
              <tr data-testid="bucket-row">
                <td class="wide">
                  <a href={`/buckets/${b.id}`}>{b.title}</a>
                  {b.culprit && (
                    <div class="small">
                      culprit <code>{b.culprit.symbol}</code>
                      {b.culprit.module && <span class="muted"> [{b.culprit.module}]</span>}
                    </div>
                  )}
                </td>
                <td>
                  <span class="kind">{b.kind}</span>
                </td>
                <td class="num">{b.count}</td>
                <td class="small">
                  {when(b.firstSeen)}
                  <br />
                  {when(b.lastSeen)}
                </td>
                <td class="small">
                  {b.kernelReleases.map((k) => (
                    <div>
                      <code>{k}</code>
                    </div>
                  ))}
                </td>
                <td class="small">{b.nodes.join(', ')}</td>
                <td>
                  <CrashChart
                    times={crashTimes(b)}
                    width={120}
                    height={28}
                    label={`crashes per day: ${b.title}`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Recent dumps</h2>
      {recent.error && <p class="error">{recent.error.message}</p>}
      {recent.data && recent.data.length === 0 && (
        <p class="muted">No dump has been uploaded yet.</p>
      )}
      {recent.data && recent.data.length > 0 && (
        <table class="grid" data-testid="recent-dumps">
          <thead>
            <tr>
              <th>Dump</th>
              <th>Node</th>
              <th>Analysis</th>
              <th>Size</th>
              <th>Received</th>
            </tr>
          </thead>
          <tbody>
            {recent.data.map((d) => (
              <tr>
                <td class="wide">
                  <a href={`/dumps/${d.id}`}>{d.analysis?.title ?? d.filename}</a>
                  <div class="muted small">{d.filename}</div>
                </td>
                <td>{d.node}</td>
                <td>
                  <span class={`badge st-${d.analysis?.state ?? 'received'}`}>
                    {d.analysis?.state ?? 'queued'}
                  </span>
                </td>
                <td class="num">{bytes(d.size)}</td>
                <td title={when(d.createdAt)}>{ago(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
