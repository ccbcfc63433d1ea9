import {
  WATCH_SCHEMA,
  type WatchCost,
  type WatchProbeName,
  type WatchProbeResult,
  type WatchVerdict,
} from '@kdumpfleet/contracts';

/**
 * alive or undead. Only `stuck` counts: a probe that failed fast (sshd not running, no
 * CAP_NET_ADMIN) is reported with its evidence but is not a hang — the host answered.
 */
export function judge(
  node: string,
  results: WatchProbeResult[],
  intervalSeconds: number,
  deadlineSeconds: number,
  cost: WatchCost,
  at = new Date(),
): WatchVerdict {
  const stuck: WatchProbeName[] = results.filter((r) => r.status === 'stuck').map((r) => r.probe);
  return {
    schema: WATCH_SCHEMA,
    node,
    at: at.toISOString(),
    verdict: stuck.length > 0 ? 'undead' : 'alive',
    stuck,
    intervalSeconds,
    deadlineSeconds,
    probes: results,
    cost,
  };
}

/** One line per probe for people: `undead: process-table stuck at pid 4242`. */
export function formatVerdict(v: WatchVerdict): string {
  const lines = [
    `${v.at} ${v.node}: ${v.verdict}${v.stuck.length ? ` (${v.stuck.join(', ')} stuck)` : ''}`,
  ];
  for (const p of v.probes) {
    const at = p.stuckAt ? ` at ${p.stuckAt}` : '';
    lines.push(`  ${p.probe.padEnd(14)} ${p.status}${at} (${p.elapsedMs} ms)`);
    for (const e of p.evidence.slice(0, 8)) lines.push(`    ${e.split('\n').join('\n    ')}`);
  }
  if (v.action && v.action.mode === 'crash')
    lines.push(
      `  action: ${v.action.state}: ${v.action.detail}`,
      ...v.action.reasons.map((r) => `    ${r}`),
    );
  lines.push(
    `  cost: cpu ${v.cost.cpuUserMs.toFixed(0)}+${v.cost.cpuSystemMs.toFixed(0)} ms, rss ${(v.cost.rssBytes / 1048576).toFixed(1)} MiB, lingering children ${v.cost.lingeringChildren}${v.cost.maxChildren !== undefined ? ` (at most ${v.cost.maxChildren} children)` : ''}`,
  );
  return lines.join('\n');
}
