import { useMemo, useState } from 'preact/hooks';

const COLLAPSED = 60;

/**
 * The kernel log, newest line first (the crash is at the end of the log), collapsed to the last
 * lines with an expand button, and a search that keeps matching lines (and highlights them).
 */
export function LogViewer({ text, truncated }: { text: string; truncated: boolean }) {
  const [query, setQuery] = useState('');
  const [expanded, setExpanded] = useState(false);
  const lines = useMemo(() => text.replace(/\n$/, '').split('\n').reverse(), [text]);
  const q = query.trim().toLowerCase();
  const matching = q ? lines.filter((l) => l.toLowerCase().includes(q)) : lines;
  const shown = expanded || q ? matching : matching.slice(0, COLLAPSED);
  const mark = (l: string) => {
    if (!q) return l;
    const i = l.toLowerCase().indexOf(q);
    return (
      <>
        {l.slice(0, i)}
        <mark>{l.slice(i, i + q.length)}</mark>
        {l.slice(i + q.length)}
      </>
    );
  };
  return (
    <div class="logview">
      <div class="toolbar">
        <input
          type="search"
          placeholder="Search the log…"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
          aria-label="Search the log"
        />
        <span class="muted small">
          {q
            ? `${matching.length} of ${lines.length} lines match`
            : `${lines.length} lines, newest first`}
          {truncated ? ' (log cut at the output cap)' : ''}
        </span>
        {!q && lines.length > COLLAPSED && (
          <button type="button" class="secondary" onClick={() => setExpanded(!expanded)}>
            {expanded ? `Show last ${COLLAPSED}` : `Show all ${lines.length} lines`}
          </button>
        )}
      </div>
      <pre class="log" data-testid="log-lines">
        {shown.map((l) => (
          <div class={/(BUG:|Oops|panic|RIP:|Call Trace|WARNING:)/.test(l) ? 'hot' : ''}>
            {mark(l)}
          </div>
        ))}
      </pre>
    </div>
  );
}
