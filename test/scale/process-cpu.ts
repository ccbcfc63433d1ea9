/**
 * CPU seconds used by the parts of a deployment, read from /proc: each part is a root pid (the
 * process listening on its port, or a daemon's pid file) plus all its descendants (nginx
 * workers, PostgreSQL backends). The benchmark prints where the machine's CPU went, which is
 * what explains how much a second collector instance can help on the same host.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

function stat(pid: number): { ppid: number; cpu: number } | null {
  try {
    const after = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // proc(5) field numbers: ppid 4, utime 14, stime 15, cutime 16, cstime 17 (state is 3)
    const n = (i: number) => Number(after[i - 3]);
    return { ppid: n(4), cpu: (n(14) + n(15) + n(16) + n(17)) / TICKS };
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** The pid of the process with a listening TCP socket on 127.0.0.1/0.0.0.0:`port`, or null. */
export function pidListeningOn(port: number): number | null {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[1]!.endsWith(`:${hex}`) && f[3] === '0A') inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of allPids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return pid;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return null;
}

/** CPU seconds of every process per part (root pids and their descendants), now. */
export function cpuByPart(parts: Record<string, number[]>): Record<string, Map<number, number>> {
  const table = new Map<number, { ppid: number; cpu: number }>();
  for (const pid of allPids()) {
    const s = stat(pid);
    if (s) table.set(pid, s);
  }
  const children = new Map<number, number[]>();
  for (const [pid, s] of table) {
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid)!.push(pid);
  }
  const out: Record<string, Map<number, number>> = {};
  for (const [name, roots] of Object.entries(parts)) {
    const seen = new Map<number, number>();
    const stack = [...roots];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      if (seen.has(pid) || !table.has(pid)) continue;
      seen.set(pid, table.get(pid)!.cpu);
      stack.push(...(children.get(pid) ?? []));
    }
    out[name] = seen;
  }
  return out;
}

/** CPU seconds each part used between two `cpuByPart` snapshots (new processes count fully). */
export function cpuDelta(
  before: Record<string, Map<number, number>>,
  after: Record<string, Map<number, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pids] of Object.entries(after)) {
    let sum = 0;
    for (const [pid, cpu] of pids) sum += cpu - (before[name]?.get(pid) ?? 0);
    out[name] = sum;
  }
  return out;
}

/** CPU seconds the whole machine has been busy (all processes, ours or not) since boot. */
export function machineBusySeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  // user nice system idle iowait irq softirq steal …: busy = all but idle and iowait
  const n = cpu.map(Number);
  const busy = n[0]! + n[1]! + n[2]! + n[5]! + n[6]! + n[7]!;
  return busy / TICKS;
}
