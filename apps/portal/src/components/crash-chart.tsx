/**
 * Crashes per day as SVG bars. Hand-drawn: one small chart does not justify a charting library
 * (and their size); days without crashes stay visible as gaps.
 */
const DAY = 86_400_000;

export function dailyCounts(times: readonly string[], minDays = 14, now = Date.now()) {
  const days = times.map((t) => Math.floor(Date.parse(t) / DAY)).filter(Number.isFinite);
  const last = Math.max(Math.floor(now / DAY), ...days);
  const first = Math.min(last - (minDays - 1), ...days);
  const counts = new Array<number>(last - first + 1).fill(0);
  for (const d of days) counts[d - first]! += 1;
  return { first, counts };
}

export function CrashChart(props: {
  times: readonly string[];
  width?: number;
  height?: number;
  label?: string;
}) {
  const width = props.width ?? 1200;
  const height = props.height ?? 120;
  const compact = height < 50;
  const { first, counts } = dailyCounts(props.times, 30);
  const max = Math.max(1, ...counts);
  const pad = compact ? 1 : 26;
  const bottom = compact ? 1 : 18;
  const barW = (width - pad) / counts.length;
  const day = (i: number) => new Date((first + i) * DAY).toISOString().slice(0, 10);
  return (
    <svg
      class={compact ? 'spark' : 'chart'}
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={props.label ?? 'crashes per day'}
    >
      {!compact && (
        <>
          <text x="0" y="10" class="axis">
            {max}
          </text>
          <text x="0" y={height - bottom} class="axis">
            0
          </text>
          <line x1={pad} x2={width} y1={height - bottom} y2={height - bottom} class="base" />
        </>
      )}
      {counts.map((c, i) => {
        const h = ((height - bottom - 4) * c) / max;
        return (
          <rect
            x={pad + i * barW + 1}
            y={height - bottom - h}
            width={Math.max(1, barW - 2)}
            height={h}
            class={c > 0 ? 'bar' : 'bar empty'}
          >
            <title>
              {day(i)}: {c} crash{c === 1 ? '' : 'es'}
            </title>
          </rect>
        );
      })}
      {!compact && (
        <>
          <text x={pad} y={height - 3} class="axis">
            {day(0)}
          </text>
          <text x={width} y={height - 3} class="axis" text-anchor="end">
            {day(counts.length - 1)}
          </text>
        </>
      )}
    </svg>
  );
}
