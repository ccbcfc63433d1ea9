/**
 * Reading back what the guest's watch said (watch.jsonl: one kdumpfleet.watch/v1 verdict per
 * line) against the guest's event lines (`EPOCH NAME HANG [key=value …]`, watch-script.ts):
 * how fast each hang was named, what stuckAt said, when the host was alive again, and how long
 * each probe takes on a healthy guest.
 */
import { watchVerdictSchema, type WatchProbeName, type WatchVerdict } from '@kdumpfleet/contracts';
import type { WatchHang } from './watch-hangs.js';

export interface WatchEvent {
  /** whole seconds (busybox date has no sub-second format) */
  epoch: number;
  name: string;
  hang: string;
  detail: Record<string, string>;
}

export function parseEvents(text: string): WatchEvent[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [epoch = '', name = '', hang = '', ...rest] = line.trim().split(/\s+/);
      const detail = Object.fromEntries(
        rest.flatMap((kv) => {
          const i = kv.indexOf('=');
          return i > 0 ? [[kv.slice(0, i), kv.slice(i + 1)]] : [];
        }),
      );
      return { epoch: Number(epoch), name, hang, detail };
    });
}

/** Every line must be a valid verdict: a torn or foreign line is a failure, not noise. */
export function parseVerdicts(text: string): WatchVerdict[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      try {
        return watchVerdictSchema.parse(JSON.parse(line));
      } catch (err) {
        throw new Error(`watch.jsonl line ${i + 1} is not a verdict: ${(err as Error).message}`, {
          cause: err,
        });
      }
    });
}

const atS = (v: WatchVerdict) => Date.parse(v.at) / 1000;

export interface HangOutcome {
  hang: string;
  probe: WatchProbeName;
  triggeredAt: number | null;
  /** the first round after the trigger that names the probe */
  detected: WatchVerdict | null;
  /** seconds from the trigger to that round's end (`at`); +1 s for the trigger's whole second */
  detectSeconds: number | null;
  stuckAt: string | null;
  expectedStuckAt: RegExp;
  /** the other probes stuck in that round */
  alsoStuck: WatchProbeName[];
  releasedAt: number | null;
  /** the first alive round after the release */
  aliveAgain: WatchVerdict | null;
  aliveSeconds: number | null;
  /** rounds between trigger and release (for the report) */
  rounds: number;
}

export function judgeHang(
  h: WatchHang,
  events: WatchEvent[],
  verdicts: WatchVerdict[],
): HangOutcome {
  const trigger = events.find((e) => e.name === 'trigger' && e.hang === h.name);
  const release = events.find((e) => e.name === 'released' && e.hang === h.name);
  const t0 = trigger?.epoch ?? null;
  const t1 = release?.epoch ?? null;
  const during = verdicts.filter(
    (v) => t0 !== null && atS(v) >= t0 && (t1 === null || atS(v) <= t1 + 1),
  );
  const detected = during.find((v) => v.stuck.includes(h.probe)) ?? null;
  const probe = detected?.probes.find((p) => p.probe === h.probe);
  const aliveAgain =
    t1 === null ? null : (verdicts.find((v) => atS(v) > t1 && v.verdict === 'alive') ?? null);
  return {
    hang: h.name,
    probe: h.probe,
    triggeredAt: t0,
    detected,
    detectSeconds: detected && t0 !== null ? round1(atS(detected) - t0) : null,
    stuckAt: probe?.stuckAt ?? null,
    expectedStuckAt: h.stuckAt(trigger?.detail ?? {}),
    alsoStuck: detected?.stuck.filter((p) => p !== h.probe) ?? [],
    releasedAt: t1,
    aliveAgain,
    aliveSeconds: aliveAgain && t1 !== null ? round1(atS(aliveAgain) - t1) : null,
    rounds: during.length,
  };
}

/** Rounds whose end falls between two events (inclusive, whole seconds). */
export function roundsBetween(
  verdicts: WatchVerdict[],
  events: WatchEvent[],
  from: string,
  to: string,
): WatchVerdict[] {
  const a = events.find((e) => e.name === from)?.epoch;
  const b = events.find((e) => e.name === to)?.epoch;
  if (a === undefined || b === undefined) return [];
  return verdicts.filter((v) => atS(v) >= a && atS(v) <= b + 1);
}

/** Per probe: median and max elapsed ms over the rounds given (healthy ones, for the report). */
export function probeTimings(
  verdicts: WatchVerdict[],
): Map<WatchProbeName, { median: number; max: number }> {
  const by = new Map<WatchProbeName, number[]>();
  for (const v of verdicts)
    for (const p of v.probes) by.set(p.probe, [...(by.get(p.probe) ?? []), p.elapsedMs]);
  const out = new Map<WatchProbeName, { median: number; max: number }>();
  for (const [probe, ms] of by) {
    const s = [...ms].sort((x, y) => x - y);
    out.set(probe, { median: s[Math.floor(s.length / 2)] ?? 0, max: s[s.length - 1] ?? 0 });
  }
  return out;
}

export function formatTimings(t: Map<WatchProbeName, { median: number; max: number }>): string {
  return [...t].map(([p, { median, max }]) => `${p} ${median}/${max} ms`).join(', ');
}

const round1 = (n: number) => Math.round(n * 10) / 10;
