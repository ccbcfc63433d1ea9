import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WatchProbeName, WatchProbeResult } from '@kdumpfleet/contracts';
import type { ProbeLine, ProbeOptions } from './probe-protocol.js';

/** The compiled probe child beside this file (tests run the built one from dist). */
export const PROBE_CHILD = fileURLToPath(new URL('./probe-child.js', import.meta.url));

export interface ProbeRun {
  result: WatchProbeResult;
  /** Probe-specific data of a finished probe (hung-tasks: the D-state tasks). */
  data?: unknown;
}

/**
 * Probe children that were killed on their deadline and have not exited. A child blocked in
 * the kernel (D state) ignores even SIGKILL until the kernel lets go; we never wait on it, and
 * do not start a second one of the same probe beside it (that would pile up stuck processes).
 */
export class LingeringChildren {
  private readonly byProbe = new Map<
    WatchProbeName,
    { child: ChildProcess; stuckAt: string | null; since: string; exited: Promise<void> }
  >();
  /** `since`: when the child was killed on its deadline (now by default). */
  add(
    probe: WatchProbeName,
    child: ChildProcess,
    stuckAt: string | null,
    since = new Date().toISOString(),
  ): void {
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        if (this.byProbe.get(probe)?.child === child) this.byProbe.delete(probe);
        resolve();
      }),
    );
    this.byProbe.set(probe, { child, stuckAt, since, exited });
  }
  /**
   * The killed child of this probe if it is still there after a short grace (SIGKILL of a
   * sleeping child takes effect at once, but its exit reaches us a moment later).
   */
  async still(
    probe: WatchProbeName,
    graceMs: number,
  ): Promise<{ pid: number | undefined; stuckAt: string | null; since: string } | null> {
    const entry = this.byProbe.get(probe);
    if (!entry) return null;
    let timer: NodeJS.Timeout | undefined;
    const gone = await Promise.race([
      entry.exited.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    return gone ? null : { pid: entry.child.pid, stuckAt: entry.stuckAt, since: entry.since };
  }
  get size(): number {
    return this.byProbe.size;
  }
}

/**
 * A child that printed a step this recently when its deadline came is advancing, not blocked:
 * a slow host (a loaded VM: node alone takes seconds to start there) is not a hung one. It gets
 * one grace of half its deadline. A child blocked in the kernel printed its last step when it
 * blocked, long before the deadline, so it gets none and is named at the deadline as before.
 */
export function advancingWindowMs(deadlineMs: number): number {
  return Math.min(1000, deadlineMs / 4);
}

/**
 * Runs one probe in a child process with a hard deadline. Resolves by the deadline (plus one
 * grace for a child still advancing, see advancingWindowMs) whatever the child does: then the
 * child gets SIGKILL, is left to exit on its own, and the probe is `stuck` at the last step it
 * printed.
 */
export async function runProbe(
  probe: WatchProbeName,
  opts: ProbeOptions,
  deadlineMs: number,
  lingering: LingeringChildren,
  script = PROBE_CHILD,
): Promise<ProbeRun> {
  const still = await lingering.still(probe, Math.min(500, deadlineMs / 4));
  if (still) {
    return {
      result: {
        probe,
        status: 'stuck',
        elapsedMs: 0,
        stuckAt: still.stuckAt,
        evidence: [
          `previous probe still blocked since ${still.since}: the ${probe} child (pid ${still.pid}) was killed and still has not exited (D state in the kernel); no new child until it exits`,
        ],
      },
    };
  }
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, probe, JSON.stringify(opts)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastStep: string | null = null;
    let lastStepAt = 0;
    let graceMs = 0;
    let answer: Extract<ProbeLine, { result: unknown }>['result'] | null = null;
    let buffered = '';
    let stderr = '';
    let done = false;
    const finish = (run: ProbeRun) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(run);
    };
    const elapsed = () => Math.round(performance.now() - started);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const line = JSON.parse(text) as ProbeLine;
          if ('step' in line) {
            lastStep = line.step;
            lastStepAt = performance.now();
          } else answer = line.result;
        } catch {
          // Not ours (a library printing): ignore.
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    child.once('error', (err) =>
      finish({
        result: {
          probe,
          status: 'error',
          elapsedMs: elapsed(),
          stuckAt: null,
          evidence: [`cannot start probe: ${err.message}`],
        },
      }),
    );
    child.once('close', (code) => {
      if (answer) {
        const slow = graceMs
          ? [
              `slow, not stuck: still advancing (at ${lastStep}) at the ${deadlineMs} ms deadline; answered within its ${graceMs} ms grace`,
            ]
          : [];
        finish({
          result: {
            probe,
            status: answer.status,
            elapsedMs: elapsed(),
            stuckAt: null,
            evidence: [...answer.evidence, ...slow],
          },
          data: answer.data,
        });
      } else {
        const why = stderr.trim().split('\n').pop() ?? '';
        finish({
          result: {
            probe,
            status: 'error',
            elapsedMs: elapsed(),
            stuckAt: lastStep,
            evidence: [`probe child exited ${code} without an answer${why ? `: ${why}` : ''}`],
          },
        });
      }
    });
    const expire = () => {
      if (done) return;
      const sinceStep = performance.now() - lastStepAt;
      if (!graceMs && lastStep !== null && sinceStep < advancingWindowMs(deadlineMs)) {
        graceMs = Math.round(deadlineMs / 2);
        timer = setTimeout(expire, graceMs);
        return;
      }
      child.kill('SIGKILL');
      // Do not keep the watcher alive (or its event loop busy) for a child that may never exit.
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      if (child.exitCode === null && child.signalCode === null)
        lingering.add(probe, child, lastStep);
      finish({
        result: {
          probe,
          status: 'stuck',
          elapsedMs: elapsed(),
          stuckAt: lastStep,
          evidence: [
            `no answer within ${deadlineMs} ms${graceMs ? ` (+ ${graceMs} ms grace: it was still advancing at the deadline)` : ''}${lastStep ? `; blocked at ${lastStep}` : ''}; child pid ${child.pid} killed (a child in D state may linger until the kernel lets go)`,
          ],
        },
      });
    };
    let timer = setTimeout(expire, deadlineMs);
  });
}
