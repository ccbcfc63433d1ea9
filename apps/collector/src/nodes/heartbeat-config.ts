import { NodesConfigError } from './nodes-config.js';

/** NODE_DEAD_AFTER: a node whose last heartbeat is older is dead (default 3m). */
export interface HeartbeatConfig {
  deadAfterMs: number;
  maxHeartbeatBytes: number;
}

export function loadHeartbeatConfig(env: NodeJS.ProcessEnv = process.env): HeartbeatConfig {
  const raw = env.NODE_DEAD_AFTER ?? '3m';
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(raw.trim());
  const ms = m
    ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 's']
    : 0;
  if (ms <= 0)
    throw new NodesConfigError('NODE_DEAD_AFTER', `'${raw}' is not a duration (90s, 3m, 1h)`);
  return { deadAfterMs: ms, maxHeartbeatBytes: 1024 * 1024 };
}
