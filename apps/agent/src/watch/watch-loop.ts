import type { WatchVerdict } from '@kdumpfleet/contracts';
import { CrashAction, type ActionLog } from './crash-action.js';
import { sendHeartbeat } from './heartbeat.js';
import { probeOptionsFor } from './probe-options.js';
import { ReadinessGate } from './readiness-gate.js';
import type { WatchSettings } from './watch-settings.js';
import { Watcher } from './watcher.js';

export interface WatchLoopOptions {
  node: string;
  settings: WatchSettings;
  /** proc/, sys/, dev/ are read (and /dev/kmsg, /proc/sysrq-trigger written) under it. */
  sysroot: string;
  collector: { url: string; token: string } | null;
  once: boolean;
  signal: AbortSignal;
  /** Each round's verdict (with the action's state), as soon as it is judged. */
  print: (v: WatchVerdict) => void;
  log: ActionLog;
  /** The probe child script (tests point at the built one). */
  probeChild?: string;
}

/**
 * `kdumpfleet watch` and the watcher inside `kdumpfleet run`: a round of probes every interval
 * (each round ends by the deadline whatever hangs), the action's decision, then a heartbeat
 * with its own timeout, so neither a hung probe nor a down collector stops the rounds.
 * Resolves with the last verdict when the signal aborts (or after one round with `once`).
 */
export async function runWatchLoop(o: WatchLoopOptions): Promise<WatchVerdict | null> {
  const s = o.settings;
  const watcher = new Watcher({
    node: o.node,
    probes: s.probes,
    probeOptions: probeOptionsFor(o.sysroot, s.tcp, Math.min(2000, s.deadlineMs / 2)),
    intervalMs: s.intervalMs,
    deadlineMs: s.deadlineMs,
    hungAfterMs: s.hungAfterMs,
    ...(o.probeChild ? { probeChild: o.probeChild } : {}),
  });
  const heartbeat = (v: WatchVerdict, timeoutMs: number) =>
    o.collector
      ? sendHeartbeat(o.collector.url, o.collector.token, v, timeoutMs)
      : Promise.resolve();
  const gate = new ReadinessGate(o.sysroot, Math.max(10_000, 2 * s.deadlineMs));
  const action = new CrashAction({
    mode: s.action,
    crashAfterMs: s.crashAfterMs,
    sysroot: o.sysroot,
    gate,
    // The host is about to go: a short timeout, and the crash does not wait for the collector.
    lastHeartbeat: (v) => heartbeat(v, 2000),
    log: o.log,
  });
  if (s.action === 'crash') {
    // Said at start, while the host is healthy: a node that would refuse is visible at once.
    const ready = await gate.prime();
    o.log('watch-action-armed', {
      crashAfterSeconds: s.crashAfterMs / 1000,
      kdumpReady: ready?.ready ?? null,
      ...(ready && !ready.ready ? { wouldRefuse: ready.reasons } : {}),
    });
  }
  let last: WatchVerdict | null = null;
  while (!o.signal.aborted) {
    const started = Date.now();
    const judged = await watcher.round();
    last = await action.decide(judged);
    o.print(last);
    if (last.action?.state !== 'fired')
      await heartbeat(last, Math.max(1000, s.deadlineMs)).catch((err: Error) =>
        o.log('heartbeat-failed', { error: err.message }),
      );
    if (o.once) break;
    const wait = Math.max(0, s.intervalMs - (Date.now() - started));
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, wait);
      function done() {
        clearTimeout(t);
        o.signal.removeEventListener('abort', done);
        resolve();
      }
      o.signal.addEventListener('abort', done, { once: true });
    });
  }
  return last;
}
