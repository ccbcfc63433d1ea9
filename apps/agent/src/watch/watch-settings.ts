import { watchProbeNameSchema, type WatchProbeName } from '@kdumpfleet/contracts';
import { UsageError } from '../command.js';
import type { WatchConfig } from '../config/agent-config.js';
import { parseTcpTarget } from './probe-options.js';
import type { TcpTarget } from './probe-protocol.js';
import { DEFAULT_PROBES } from './watcher.js';

/** Everything one watcher needs, from agent.json `watch` with `watch` flags on top. */
export interface WatchSettings {
  intervalMs: number;
  deadlineMs: number;
  hungAfterMs: number;
  probes: WatchProbeName[];
  tcp: TcpTarget[];
  action: 'report' | 'crash';
  crashAfterMs: number;
}

/** The `watch` flags, as parseArgs gives them (strings; undefined when not given). */
export interface WatchFlags {
  interval?: string;
  deadline?: string;
  'hung-after'?: string;
  tcp?: string[];
  'tcp-connect'?: string[];
  probes?: string;
  action?: string;
  'crash-after'?: string;
  once?: boolean;
}

function seconds(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name}: '${v}' is not a positive number of seconds`);
  return n * 1000;
}

function probeList(names: string[], where: string): WatchProbeName[] {
  return names.map((p) => {
    const r = watchProbeNameSchema.safeParse(p.trim());
    if (!r.success)
      throw new UsageError(`${where}: unknown probe '${p}' (${DEFAULT_PROBES.join(', ')})`);
    return r.data;
  });
}

export function watchSettings(config: WatchConfig, flags: WatchFlags = {}): WatchSettings {
  const intervalMs = seconds('interval', flags.interval) ?? config.intervalMs;
  const deadlineMs = seconds('deadline', flags.deadline) ?? config.deadlineMs;
  // Name the flag when it was given, else the agent.json key the value came from.
  const name = (flag: keyof WatchFlags, key: string) =>
    flags[flag] !== undefined ? `--${flag}` : `agent.json watch.${key}`;
  if (deadlineMs >= intervalMs && !flags.once)
    throw new UsageError(
      `${name('deadline', 'deadline')} (${deadlineMs / 1000}) must be shorter than ${name('interval', 'interval')} (${intervalMs / 1000})`,
    );
  const action = flags.action ?? config.action;
  if (action !== 'report' && action !== 'crash')
    throw new UsageError(`--action: '${action}' is not report or crash`);
  const crashAfterMs = seconds('crash-after', flags['crash-after']) ?? config.crashAfterMs;
  if (action === 'crash' && crashAfterMs < intervalMs)
    throw new UsageError(
      `${name('crash-after', 'crashAfter')} (${crashAfterMs / 1000}) must be at least one ${name('interval', 'interval')} (${intervalMs / 1000}): one stuck round is not a hang worth a dump`,
    );
  const banner = flags.tcp ?? config.tcp;
  const connect = flags['tcp-connect'] ?? config.tcpConnect;
  let tcp: TcpTarget[];
  try {
    tcp = [
      ...(banner ?? (connect.length ? [] : ['127.0.0.1:22'])).map((t) => parseTcpTarget(t, true)),
      ...connect.map((t) => parseTcpTarget(t, false)),
    ];
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    intervalMs,
    deadlineMs,
    hungAfterMs: seconds('hung-after', flags['hung-after']) ?? config.hungAfterMs,
    probes: flags.probes
      ? probeList(flags.probes.split(','), '--probes')
      : (config.probes ?? [...DEFAULT_PROBES]),
    tcp,
    action,
    crashAfterMs,
  };
}
