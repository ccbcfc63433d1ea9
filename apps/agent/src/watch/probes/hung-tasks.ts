import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeFunction } from '../probe-protocol.js';

/** A task seen in uninterruptible sleep (D), with what `hung_task` would print about it. */
export interface DStateTask {
  pid: number;
  tid: number;
  comm: string;
  /** Context switches so far: unchanged between two looks = the task never ran (hung_task's test). */
  switches: number;
  /** /proc/<pid>/task/<tid>/stack, where readable (root; some kernels hide it). */
  stack: string | null;
}

/** `pid (comm) S …`: comm may hold spaces and parentheses, so split at the last `)`. */
export function parseStat(text: string): { comm: string; state: string } | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const state = text.slice(close + 2, close + 3);
  return state ? { comm: text.slice(open + 1, close), state } : null;
}

export function contextSwitches(status: string): number {
  let n = 0;
  for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s*(\d+)/gm)) n += Number(m[1]);
  return n;
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Every task (thread) in D state now. Whether it is *hung* needs a second look later (same task,
 * still D, no context switch since): the watcher keeps that history (hung-task-tracker.ts).
 */
export const hungTasks: ProbeFunction = async (opts, step) => {
  const tasks: DStateTask[] = [];
  const pids = readdirSync(opts.procDir).filter((n) => /^\d+$/.test(n));
  for (const pid of pids) {
    const taskDir = join(opts.procDir, pid, 'task');
    let tids: string[];
    try {
      tids = existsSync(taskDir) ? readdirSync(taskDir).filter((n) => /^\d+$/.test(n)) : [pid];
    } catch {
      continue; // exited
    }
    for (const tid of tids) {
      const dir =
        tid === pid && !existsSync(taskDir) ? join(opts.procDir, pid) : join(taskDir, tid);
      step(`stat of task ${tid}`);
      const stat = readOr(join(dir, 'stat'));
      const parsed = stat ? parseStat(stat) : null;
      if (!parsed || parsed.state !== 'D') continue;
      const stack = readOr(join(dir, 'stack'));
      tasks.push({
        pid: Number(pid),
        tid: Number(tid),
        comm: parsed.comm,
        switches: contextSwitches(readOr(join(dir, 'status')) ?? ''),
        stack: stack?.trim() || null,
      });
    }
  }
  return { status: 'ok', evidence: [`${tasks.length} tasks in D state`], data: tasks };
};
