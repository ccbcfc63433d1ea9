import type { Liveness } from '../api/types.js';
import { ago, when } from '../format.js';

const LABEL: Record<Liveness['state'], string> = {
  alive: 'alive',
  undead: 'undead',
  dead: 'dead',
  unknown: 'no heartbeat',
};

/** The crash action, only when a node opted in (report-only nodes say nothing). */
function Action({ a }: { a: NonNullable<Liveness['action']> }) {
  if (a.mode !== 'crash') return null;
  return (
    <div class="small" data-testid="liveness-action" data-action={a.state}>
      <span class={`badge action-${a.state}`} title={a.detail}>
        crash action {a.state}
      </span>
      {a.state !== 'armed' && <div class="muted small">{a.detail}</div>}
      {a.reasons.length > 0 && (
        <ul class="reasons">
          {a.reasons.map((r) => (
            <li>{r}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * alive / undead (what is stuck, since when; the evidence folds out) / dead (since the last
 * heartbeat) / no heartbeat: one cell of the fleet table.
 */
export function LivenessCell({ l }: { l: Liveness }) {
  return (
    <div data-testid="liveness" data-liveness={l.state}>
      <span
        class={`badge live-${l.state}`}
        title={
          l.lastHeartbeatAt ? `last heartbeat ${when(l.lastHeartbeatAt)}` : 'never sent a heartbeat'
        }
      >
        {LABEL[l.state]}
      </span>
      {l.state === 'undead' && (
        <>
          <div class="stuck" data-testid="liveness-stuck">
            {l.evidence.map((e) => (
              <div>
                <strong>{e.probe}</strong>
                {e.stuckAt && (
                  <>
                    {' '}
                    at <code>{e.stuckAt}</code>
                  </>
                )}
              </div>
            ))}
          </div>
          <div class="muted small" title={when(l.since)} data-testid="liveness-since">
            since {when(l.since)} ({ago(l.since)})
          </div>
          <details class="evidence">
            <summary>evidence</summary>
            {l.evidence.map((e) => (
              <pre data-probe={e.probe}>{`${e.probe}:\n${e.evidence.join('\n')}`}</pre>
            ))}
          </details>
        </>
      )}
      {l.state === 'alive' && (
        <div class="muted small" title={when(l.since)}>
          since {ago(l.since)}
        </div>
      )}
      {l.state === 'dead' && (
        <div class="muted small" data-testid="liveness-since" title={when(l.since)}>
          no heartbeat since {when(l.since)} ({ago(l.since)})
          {l.lastVerdict === 'undead' && <div>was undead before it went silent</div>}
        </div>
      )}
      {l.action && <Action a={l.action} />}
    </div>
  );
}
