import type { CrashSummary } from '@kdumpfleet/contracts';

/** `PID: 129      TASK: ff40…  CPU: 1    COMMAND: "sh"` */
const TASK_LINE = /^PID:\s*(\d+)\s+TASK:\s*\S+\s+CPU:\s*(\d+)\s+COMMAND:\s*"(.*)"/;
/** ` #7 [ff752b25003ebb50] crashlab_trigger_write at ffffffffc05bd17a [crashlab]` */
const FRAME_LINE = /^\s*#\d+\s+\[[0-9a-f]+\]\s+(\S+)\s+at\s+[0-9a-f]+(?:\s+\[([^\]]+)\])?/;
/** `    [exception RIP: crashlab_null_write+38]` */
const EXCEPTION_RIP = /^\s*\[exception RIP:\s*([^\]]+)\]/;

interface TaskTrace {
  pid: number;
  cpu: number;
  comm: string;
  frames: string[];
}

/** crash `bt` output → one entry per task block; exception RIPs are kept as frames. */
export function parseCrashBacktraces(text: string): TaskTrace[] {
  const out: TaskTrace[] = [];
  let cur: TaskTrace | null = null;
  for (const line of text.split('\n')) {
    const t = TASK_LINE.exec(line);
    if (t) {
      cur = { pid: Number(t[1]), cpu: Number(t[2]), comm: t[3]!, frames: [] };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const f = FRAME_LINE.exec(line);
    if (f) cur.frames.push(f[2] ? `${f[1]} [${f[2]}]` : f[1]!);
    const rip = EXCEPTION_RIP.exec(line);
    if (rip) cur.frames.push(`${rip[1]} (exception RIP)`);
  }
  return out;
}

/** crash `ps`: the ST column counted (RU, IN, UN, ID, ZO…). */
export function parseCrashTaskStates(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^[>\s]*\d+\s+-?\d+\s+\d+\s+[0-9a-f]+\s+([A-Z]{2})\s/.exec(line);
    if (m) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
  }
  return counts;
}

/**
 * crash `mod`: module names, with taint letters from `mod -t` (its `NAME TAINTS` table), else
 * from the log's `Modules linked in: crashlab(OE) …` line.
 */
export function parseCrashModules(
  text: string,
  modTaints: string,
  kernelLog: string | null,
): { name: string; taint: string | null }[] {
  const taints = new Map<string, string>();
  for (const line of modTaints.split('\n')) {
    const m = /^(\S+)\s+([A-Z]+)\s*$/.exec(line);
    if (m && m[1] !== 'NAME') taints.set(m[1]!, m[2]!);
  }
  const linked = taints.size > 0 ? [] : (kernelLog?.match(/Modules linked in: (.*)/g) ?? []);
  for (const l of linked) {
    for (const m of l.matchAll(/(\S+?)\(([A-Z]+)\)/g)) taints.set(m[1]!, m[2]!);
  }
  const out: { name: string; taint: string | null }[] = [];
  for (const line of text.split('\n')) {
    const m = /^[0-9a-f]{16}\s+(\S+)\s+[0-9a-f]{16}\s+\d+/.exec(line);
    if (m) out.push({ name: m[1]!, taint: taints.get(m[1]!) ?? null });
  }
  return out;
}

/** The structured summary of a crash(8) session (summary.json). */
export function crashSummary(
  outputs: Map<string, string>,
  kernelLog: string | null,
  warnings: string[],
): CrashSummary {
  const sys = outputs.get('crash-sys.txt') ?? '';
  const panic = /^\s*PANIC:\s*"?(.*?)"?(\s+\(check log for details\))?\s*$/m.exec(sys)?.[1] ?? null;
  const release = /^\s*RELEASE:\s*(\S+)/m.exec(sys)?.[1] ?? null;
  const [task] = parseCrashBacktraces(outputs.get('crash-bt.txt') ?? '');
  const dState = parseCrashBacktraces(outputs.get('crash-foreach-un-bt.txt') ?? '').map((t) => ({
    pid: t.pid,
    comm: t.comm,
    frames: t.frames.slice(0, 8),
  }));
  return {
    tool: 'crash',
    release,
    panic: panic === '' ? null : panic,
    panicTask: task ? { pid: task.pid, comm: task.comm, cpu: task.cpu, frames: task.frames } : null,
    tasksByState: parseCrashTaskStates(outputs.get('crash-ps.txt') ?? ''),
    dStateTasks: dState,
    modules: parseCrashModules(
      outputs.get('crash-mod.txt') ?? '',
      outputs.get('crash-mod-t.txt') ?? '',
      kernelLog,
    ),
    warnings,
  };
}
