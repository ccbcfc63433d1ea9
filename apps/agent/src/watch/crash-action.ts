import { accessSync, closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { WatchAction, WatchVerdict } from '@kdumpfleet/contracts';
import { evidenceLines, writeKmsg } from './kmsg-evidence.js';
import type { ReadinessAnswer } from './readiness-gate.js';

export type ActionLog = (event: string, fields: Record<string, unknown>) => void;

export interface CrashActionOptions {
  mode: 'report' | 'crash';
  crashAfterMs: number;
  /** /dev/kmsg and /proc/sysrq-trigger are under this root (a fake tree in tests). */
  sysroot: string;
  gate: { check(): Promise<ReadinessAnswer> };
  /** Best effort, short timeout: the verdict saying the action fires, before the crash. */
  lastHeartbeat?: (v: WatchVerdict) => Promise<void>;
  log: ActionLog;
  /** Monotonic milliseconds (tests pass their own clock). */
  nowMs?: () => number;
}

/**
 * The opt-in action: once the verdict has been undead for crashAfterMs without a single alive
 * round in between, and kdump is ready, write the evidence to the kernel log and sysrq-crash
 * the host so the dump holds the hang. Never crashes when kdump is not ready: reports
 * `refused` with the reasons instead (and asks again each round, in case it gets ready).
 */
export class CrashAction {
  private undeadSinceMs: number | null = null;
  private undeadSinceIso: string | null = null;
  private fired = false;
  /** The sysrq write failed: said once per streak, not retried (it would log the evidence again). */
  private failed: string | null = null;
  private lastRefusal = '';
  private readonly now: () => number;
  constructor(private readonly o: CrashActionOptions) {
    this.now = o.nowMs ?? (() => performance.now());
  }

  private action(state: WatchAction['state'], detail: string, reasons: string[] = []): WatchAction {
    return {
      mode: this.o.mode,
      state,
      crashAfterSeconds: this.o.mode === 'crash' ? this.o.crashAfterMs / 1000 : null,
      undeadSince: this.undeadSinceIso,
      detail: detail.slice(0, 4096),
      reasons: reasons.slice(0, 50),
    };
  }

  /** Attaches the action's state to the round's verdict; fires when it is due and allowed. */
  async decide(v: WatchVerdict): Promise<WatchVerdict> {
    const crash = this.o.mode === 'crash';
    if (v.verdict === 'alive') {
      if (this.undeadSinceMs !== null) this.o.log('watch-alive-again', { since: v.at });
      this.undeadSinceMs = null;
      this.undeadSinceIso = null;
      this.fired = false;
      this.failed = null;
      this.lastRefusal = '';
      return {
        ...v,
        action: crash
          ? this.action(
              'armed',
              `alive; crashes after ${this.o.crashAfterMs / 1000} s undead if kdump is ready`,
            )
          : this.action('off', 'report only'),
      };
    }
    if (this.undeadSinceMs === null) {
      this.undeadSinceMs = this.now();
      this.undeadSinceIso = v.at;
    }
    const forS = Math.round((this.now() - this.undeadSinceMs) / 1000);
    if (!crash) return { ...v, action: this.action('off', `undead for ${forS} s; report only`) };
    if (this.failed) return { ...v, action: this.action('refused', this.failed, [this.failed]) };
    if (this.fired)
      return {
        ...v,
        action: this.action(
          'fired',
          `fired after ${forS} s undead (still here: not a real sysrq-trigger?)`,
        ),
      };
    const left = this.o.crashAfterMs - (this.now() - this.undeadSinceMs);
    if (left > 0)
      return {
        ...v,
        action: this.action(
          'armed',
          `undead for ${forS} s; crashes in ${Math.ceil(left / 1000)} s unless alive again`,
        ),
      };
    const answer = await this.allowed();
    if (!answer.ready) {
      const key = answer.reasons.join('\n');
      if (key !== this.lastRefusal)
        this.o.log('watch-action-refused', { undeadForSeconds: forS, reasons: answer.reasons });
      this.lastRefusal = key;
      return {
        ...v,
        action: this.action(
          'refused',
          `undead for ${forS} s, but kdump is not ready: not crashing (${answer.basis})`,
          answer.reasons,
        ),
      };
    }
    return this.fire(v, forS, answer);
  }

  private async allowed(): Promise<ReadinessAnswer> {
    const answer = await this.o.gate.check();
    const trigger = join(this.o.sysroot, 'proc', 'sysrq-trigger');
    // Synchronous: procfs never blocks, and the libuv pool may be busy with stuck reads.
    let writable: string | null = null;
    try {
      accessSync(trigger, constants.W_OK);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      writable = `cannot write ${trigger} (${e.code ?? e.message})`;
    }
    return writable ? { ...answer, ready: false, reasons: [...answer.reasons, writable] } : answer;
  }

  private async fire(
    v: WatchVerdict,
    forS: number,
    answer: ReadinessAnswer,
  ): Promise<WatchVerdict> {
    const why = `undead for ${forS} s (crash after ${this.o.crashAfterMs / 1000} s); kdump ready (${answer.basis}); sysrq c now so kdump captures the hang`;
    const fired: WatchVerdict = { ...v, action: this.action('fired', why) };
    let logged = 0;
    try {
      logged = writeKmsg(
        join(this.o.sysroot, 'dev', 'kmsg'),
        evidenceLines(v, this.undeadSinceIso, why),
      );
    } catch (err) {
      // The dump is still worth having without our lines: the heartbeat carried the evidence.
      this.o.log('watch-kmsg-failed', { error: (err as Error).message });
    }
    this.o.log('watch-action-fired', { undeadForSeconds: forS, stuck: v.stuck, kmsgLines: logged });
    if (this.o.lastHeartbeat) await this.o.lastHeartbeat(fired).catch(() => {});
    this.fired = true;
    // Only the first byte counts; /proc/sysrq-trigger ignores the kernel.sysrq mask (it calls
    // __handle_sysrq(c, false); Documentation/admin-guide/sysrq.rst), so the mask is not touched.
    // Opened write-only, no O_CREAT/O_TRUNC: the file is write-only and must already exist.
    const trigger = join(this.o.sysroot, 'proc', 'sysrq-trigger');
    try {
      const fd = openSync(trigger, constants.O_WRONLY);
      try {
        writeSync(fd, 'c');
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      const reason = `writing c to ${trigger} failed: ${(err as Error).message}`;
      this.o.log('watch-action-failed', { error: reason });
      this.failed = reason;
      return { ...v, action: this.action('refused', reason, [reason]) };
    }
    return fired;
  }
}
