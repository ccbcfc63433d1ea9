import { useEffect, useState } from 'preact/hooks';
import { api, apiText, ApiError } from '../api/client.js';
import {
  canDownload,
  type DumpAnalysis,
  type DumpRecord,
  type Role,
  type TriageResult,
} from '../api/types.js';
import { CallTrace } from '../components/call-trace.js';
import { LogViewer } from '../components/log-viewer.js';
import { Tabs } from '../components/tabs.js';
import { bytes, ms, when } from '../format.js';
import { useFetch } from '../use-fetch.js';

const FINAL = new Set(['analyzed', 'triage-failed', 'analysis-failed', 'no-debuginfo']);

function TextResult({ id, name }: { id: string; name: string }) {
  const r = useFetch(`result:${id}:${name}`, () => apiText(`/api/v1/dumps/${id}/results/${name}`));
  if (r.error) return <p class="error">{r.error.message}</p>;
  if (!r.data) return <p class="muted">Loading…</p>;
  return (
    <>
      {r.data.truncated && <p class="muted">Output cut at the collector's output cap.</p>}
      <pre class="tool-output">{r.data.text}</pre>
    </>
  );
}

function DmesgViewer({ id }: { id: string }) {
  const r = useFetch(`dmesg:${id}`, () => apiText(`/api/v1/dumps/${id}/results/dmesg.txt`));
  if (r.error) return <p class="error">{r.error.message}</p>;
  if (!r.data) return <p class="muted">Loading…</p>;
  return <LogViewer text={r.data.text} truncated={r.data.truncated} />;
}

/** `crash-bt-a.txt` → `bt -a`; `drgn-ps.txt` → `ps (drgn)` */
function toolLabel(name: string): string {
  const m = /^(crash|drgn)-(.+)\.txt$/.exec(name);
  if (!m) return name;
  const cmd = m[2]!
    .replace(/-a$/, ' -a')
    .replace(/-i$/, ' -i')
    .replace(/-un-/, ' UN ')
    .replace(/-/g, ' ');
  return cmd;
}

const TOOL_ORDER = ['sys', 'bt', 'bt-a', 'ps', 'log', 'mod', 'kmem-i', 'foreach-un-bt'];
function toolRank(name: string): number {
  const m = /^(?:crash|drgn)-(.+)\.txt$/.exec(name);
  const i = m ? TOOL_ORDER.indexOf(m[1]!) : -1;
  return i < 0 ? 99 : i;
}

export function DumpScreen({ id, role }: { id: string; role: Role }) {
  const dump = useFetch(`dump:${id}`, () => api<DumpRecord>(`/api/v1/dumps/${id}`));
  const [analysis, setAnalysis] = useState<DumpAnalysis | null>(null);
  const [analysisError, setAnalysisError] = useState<string | null>(null);
  const [triage, setTriage] = useState<TriageResult | null>(null);
  const [ticket, setTicket] = useState<string | null>(null);

  // Poll the analysis until it reaches a final state.
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const a = await api<DumpAnalysis>(`/api/v1/dumps/${id}/analysis`);
        if (!live) return;
        setAnalysis(a);
        setAnalysisError(null);
        if (a.results.some((r) => r.name === 'triage.json') && !triage) {
          const t = await api<TriageResult>(`/api/v1/dumps/${id}/results/triage.json`).catch(
            () => null,
          );
          if (live && t) setTriage(t);
        }
        if (FINAL.has(a.state)) return;
      } catch (err) {
        if (!live) return;
        setAnalysisError(
          err instanceof ApiError && err.status === 404
            ? 'queued for analysis'
            : (err as Error).message,
        );
      }
      timer = setTimeout(poll, 2500);
    };
    void poll();
    api<{ ticket: string }>(`/api/v1/dumps/${id}/ticket`).then(
      (t) => live && setTicket(t.ticket),
      () => {},
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // triage is fetched once; the poll restarts only for another dump
  }, [id]);

  if (dump.error) return <p class="error">{dump.error.message}</p>;
  if (!dump.data) return <p class="muted">Loading…</p>;
  const d = dump.data;
  const a = analysis;
  const oops = triage?.oops ?? null;
  const downloads = canDownload(role);
  const results = a?.results ?? [];
  const toolResults = results
    .filter((r) => /^(crash|drgn)-.+\.txt$/.test(r.name))
    .sort((x, y) => toolRank(x.name) - toolRank(y.name) || x.name.localeCompare(y.name));
  const culprit = a?.culprit ?? oops?.culprit ?? null;

  return (
    <section>
      <p class="crumbs">
        <a href="/crashes">Crashes</a> ›{' '}
        {a?.bucketId && (
          <>
            <a href={`/buckets/${a.bucketId}`}>bucket</a> ›
          </>
        )}
      </p>
      <h1 data-testid="dump-title">{a?.title ?? oops?.title ?? d.filename}</h1>
      <div class="dump-head">
        <dl class="facts">
          <dt>Node</dt>
          <dd data-testid="dump-node">{d.node}</dd>
          <dt>Kernel</dt>
          <dd>
            <code>{a?.kernelRelease ?? triage?.kernel.release ?? d.kernelRelease ?? '—'}</code>
          </dd>
          <dt>Crash time</dt>
          <dd>{when(a?.crashTime ?? triage?.crashTime ?? d.capturedAt)}</dd>
          <dt>Kind</dt>
          <dd>{a?.kind ? <span class="kind">{a.kind}</span> : '—'}</dd>
          <dt>Culprit</dt>
          <dd data-testid="culprit">
            {culprit ? (
              <code class="culprit-name">
                {culprit.symbol}
                {culprit.module ? ` [${culprit.module}]` : ''}
              </code>
            ) : (
              '—'
            )}
          </dd>
          <dt>Taint</dt>
          <dd>
            {oops?.taint ? (
              <>
                <code>{oops.taint.raw}</code>{' '}
                {oops.taint.flags.length > 0 && (
                  <span class="muted">({oops.taint.flags.join(', ')})</span>
                )}
              </>
            ) : (
              <span class="muted">not tainted / not printed</span>
            )}
          </dd>
          <dt>Panic message</dt>
          <dd>{triage?.panic.message ? <code>{triage.panic.message}</code> : '—'}</dd>
          {ticket && (
            <>
              <dt>Ticket</dt>
              <dd data-testid="ticket">{ticket}</dd>
            </>
          )}
        </dl>
        <div class="card side">
          <h3>Dump</h3>
          <dl class="facts small">
            <dt>File</dt>
            <dd>{d.filename}</dd>
            <dt>Size</dt>
            <dd>{bytes(d.size)}</dd>
            <dt>Encoding</dt>
            <dd>{d.encoding}</dd>
            <dt>Received</dt>
            <dd>{when(d.createdAt)}</dd>
            <dt>sha256</dt>
            <dd>
              <code class="hash" data-testid="sha256">
                {d.sha256}
              </code>
            </dd>
          </dl>
          {downloads ? (
            <a
              class="button"
              href={`/api/v1/dumps/${d.id}/file`}
              download
              data-testid="download-dump"
            >
              Download dump ({bytes(d.size)})
            </a>
          ) : (
            <p class="muted small" data-testid="no-download">
              Your role ({role}) sees summaries only; dump and result downloads need engineer.
            </p>
          )}
        </div>
      </div>

      <h2>Analysis</h2>
      {analysisError && <p class="muted">{analysisError}</p>}
      {a && (
        <div class="card analysis" data-testid="analysis">
          <div>
            <span class={`badge st-${a.state}`} data-testid="analysis-state">
              {a.state}
            </span>
            {a.tool && <span class="muted"> with {a.tool}</span>}
            {!FINAL.has(a.state) && <span class="muted"> (updating…)</span>}
          </div>
          {a.reason && (
            <p class={a.state.endsWith('failed') || a.state === 'no-debuginfo' ? 'error' : 'muted'}>
              {a.reason}
            </p>
          )}
          <table class="timings">
            <thead>
              <tr>
                <th>Step</th>
                <th>Started</th>
                <th>Finished</th>
                <th>Took</th>
                <th>Attempts</th>
              </tr>
            </thead>
            <tbody>
              {(['triage', 'analysis'] as const).map((s) => (
                <tr>
                  <td>{s === 'triage' ? 'triage' : 'crash / drgn'}</td>
                  <td>{when(a[s].startedAt)}</td>
                  <td>{when(a[s].finishedAt)}</td>
                  <td>{ms(a[s].ms)}</td>
                  <td>{a[s].attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {a.debuginfo && (
            <p class="small muted">
              debuginfo: <code>{a.debuginfo.path}</code> via {a.debuginfo.via} ({a.debuginfo.origin}
              )
            </p>
          )}
        </div>
      )}

      <h2>Call trace</h2>
      {oops ? (
        <CallTrace frames={oops.frames} culprit={culprit?.symbol ?? null} />
      ) : (
        <p class="muted">{triage ? 'The log shows no crash report.' : 'Waiting for triage…'}</p>
      )}

      {downloads && results.some((r) => r.name === 'dmesg.txt') && (
        <>
          <h2>Kernel log</h2>
          <DmesgViewer id={d.id} />
        </>
      )}

      {downloads && toolResults.length > 0 && (
        <>
          <h2>
            {a?.tool === 'drgn'
              ? 'drgn results (crash(8) could not open the dump)'
              : 'crash(8) results'}
          </h2>
          <Tabs
            key={toolResults.map((r) => r.name).join()}
            tabs={toolResults.map((r) => ({
              id: r.name,
              label: toolLabel(r.name),
              render: () => <TextResult id={d.id} name={r.name} />,
            }))}
          />
        </>
      )}

      {results.length > 0 && (
        <>
          <h2>Results</h2>
          <table class="grid" data-testid="results">
            <thead>
              <tr>
                <th>Name</th>
                <th class="num">Size</th>
                <th>Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {results.map((r) => (
                <tr>
                  <td>
                    <code>{r.name}</code>
                    {r.truncated && <span class="muted"> (truncated)</span>}
                  </td>
                  <td class="num">{bytes(r.size)}</td>
                  <td>{when(r.createdAt)}</td>
                  <td>
                    {downloads && (
                      <a
                        href={`/api/v1/dumps/${d.id}/results/${r.name}`}
                        download={r.name}
                        class="button small"
                      >
                        Download
                      </a>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
