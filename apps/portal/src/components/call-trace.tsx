import type { TriageFrame } from '../api/types.js';

/** The oops call trace; `? ` frames (the unwinder could not prove them) are dimmed. */
export function CallTrace({ frames, culprit }: { frames: TriageFrame[]; culprit: string | null }) {
  if (frames.length === 0) return <p class="muted">The report has no call trace.</p>;
  let section: string | null = null;
  return (
    <ol class="trace" data-testid="call-trace">
      {frames.map((f) => {
        const header = f.section !== section ? f.section : null;
        section = f.section;
        return (
          <>
            {header && <li class="trace-section">&lt;{header}&gt;</li>}
            <li
              class={`frame${f.reliable ? '' : ' unreliable'}${f.symbol === culprit ? ' culprit' : ''}`}
              data-reliable={String(f.reliable)}
              title={f.reliable ? undefined : 'unreliable frame (printed with "?")'}
            >
              {f.reliable ? '' : '? '}
              <span class="sym">{f.symbol}</span>
              <span class="off">
                +{f.offset}/{f.size}
              </span>
              {f.module && <span class="mod"> [{f.module}]</span>}
            </li>
          </>
        );
      })}
    </ol>
  );
}
