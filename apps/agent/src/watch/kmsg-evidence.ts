import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { WatchVerdict } from '@kdumpfleet/contracts';

/** Every line the watcher puts in the kernel log starts with this, so dmesg greps find them. */
export const KMSG_PREFIX = 'kdumpfleet-watch: ';
/**
 * A /dev/kmsg write is one record; the kernel refuses records above ~1 KiB (LOG_LINE_MAX), so
 * long evidence (a kernel stack) is split; 400 characters keeps dmesg lines readable too.
 */
const MAX_LINE = 400;
/** Enough for the stuck probes, their first evidence and a few stacks; bounded on purpose. */
const MAX_LINES = 80;
/**
 * /dev/kmsg rate-limits each open file to 10 records per 5 s (devkmsg_open's
 * ratelimit_default_init, unless printk.devkmsg=on): a fresh open per 8 lines keeps every one.
 */
const LINES_PER_OPEN = 8;

function split(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (!line) continue;
    for (let i = 0; i < line.length; i += MAX_LINE) out.push(line.slice(i, i + MAX_LINE));
  }
  return out;
}

/** The evidence as short kernel log lines, without the prefix: what is stuck, where, why. */
export function evidenceLines(v: WatchVerdict, undeadSince: string | null, why: string): string[] {
  const lines = [
    `undead since ${undeadSince ?? v.at}: ${v.stuck.join(', ')} stuck; ${why}`,
    `node ${v.node}, round at ${v.at}, interval ${v.intervalSeconds}s, deadline ${v.deadlineSeconds}s`,
  ];
  for (const p of v.probes.filter((r) => r.status === 'stuck')) {
    lines.push(`${p.probe}: stuck${p.stuckAt ? ` at ${p.stuckAt}` : ''} (${p.elapsedMs} ms)`);
    // hung-tasks evidence carries whole kernel stacks; the others are one or two lines each.
    const budget = p.probe === 'hung-tasks' ? 40 : 6;
    const ev = p.evidence.flatMap(split);
    lines.push(...ev.slice(0, budget).map((e) => `${p.probe}: ${e}`));
    if (ev.length > budget) lines.push(`${p.probe}: (${ev.length - budget} more lines not logged)`);
  }
  const out = lines.flatMap(split);
  if (out.length <= MAX_LINES) return out;
  return [...out.slice(0, MAX_LINES - 1), `(${out.length - MAX_LINES + 1} more lines not logged)`];
}

/**
 * Writes the lines to the kernel log (`<4>` = warning), each as one record with the prefix.
 * Opens without O_CREAT: a missing /dev/kmsg is an error, not a new file. Returns the count.
 */
export function writeKmsg(kmsgPath: string, lines: string[]): number {
  let written = 0;
  for (let i = 0; i < lines.length; i += LINES_PER_OPEN) {
    const fd = openSync(kmsgPath, constants.O_WRONLY | constants.O_APPEND);
    try {
      for (const line of lines.slice(i, i + LINES_PER_OPEN)) {
        writeSync(fd, `<4>${KMSG_PREFIX}${line}\n`);
        written++;
      }
    } finally {
      closeSync(fd);
    }
  }
  return written;
}
