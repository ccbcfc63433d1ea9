import { api } from '../api/client.js';
import type { BucketDetail } from '../api/types.js';
import { CrashChart } from '../components/crash-chart.js';
import { when } from '../format.js';
import { useFetch } from '../use-fetch.js';

export function BucketScreen({ id }: { id: string }) {
  const b = useFetch(`bucket:${id}`, () => api<BucketDetail>(`/api/v1/buckets/${id}`));
  if (b.error) return <p class="error">{b.error.message}</p>;
  if (!b.data) return <p class="muted">Loading…</p>;
  const d = b.data;
  return (
    <section>
      <p class="crumbs">
        <a href="/crashes">Crashes</a> ›
      </p>
      <h1 data-testid="bucket-title">{d.title}</h1>
      <dl class="facts">
        <dt>Kind</dt>
        <dd>
          <span class="kind">{d.kind}</span>
        </dd>
        <dt>Culprit</dt>
        <dd>
          {d.culprit ? (
            <code>
              {d.culprit.symbol}
              {d.culprit.module ? ` [${d.culprit.module}]` : ''}
            </code>
          ) : (
            '—'
          )}
        </dd>
        <dt>Crashes</dt>
        <dd>{d.count}</dd>
        <dt>First / last seen</dt>
        <dd>
          {when(d.firstSeen)} — {when(d.lastSeen)}
        </dd>
        <dt>Kernels</dt>
        <dd>{d.kernelReleases.join(', ') || '—'}</dd>
        <dt>Nodes</dt>
        <dd>{d.nodes.join(', ') || '—'}</dd>
        <dt>Signature</dt>
        <dd>
          <code class="small">{d.signature}</code>
        </dd>
      </dl>
      <div class="card chart-card">
        <CrashChart
          times={d.dumps.map((x) => x.crashTime ?? x.createdAt)}
          label="crashes per day in this bucket"
        />
      </div>
      <h2>Dumps</h2>
      <table class="grid" data-testid="bucket-dumps">
        <thead>
          <tr>
            <th>Crash time</th>
            <th>Node</th>
            <th>Kernel</th>
            <th>Analysis</th>
            <th>Received</th>
          </tr>
        </thead>
        <tbody>
          {d.dumps.map((x) => (
            <tr>
              <td>
                <a href={`/dumps/${x.id}`}>{when(x.crashTime ?? x.createdAt)}</a>
              </td>
              <td>{x.node}</td>
              <td>
                <code>{x.kernelRelease ?? '—'}</code>
              </td>
              <td>
                <span class={`badge st-${x.state}`}>{x.state}</span>
              </td>
              <td>{when(x.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
