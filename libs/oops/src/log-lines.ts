/**
 * Kernel log lines as printed by dmesg, makedumpfile --dump-dmesg, serial consoles and syslog,
 * reduced to the message text. The prefixes differ by source; the report parser only wants the
 * text, plus the caller id (CONFIG_PRINTK_CALLER: `[ T123]` task, `[  C1]` CPU) because that is
 * the only reliable way to pull apart reports that several CPUs printed at the same time.
 */
export interface LogLine {
  /** The message text without timestamp, caller id or log level. */
  readonly text: string;
  /** `T123` / `C1` when the log carries caller ids, else null. */
  readonly caller: string | null;
  /** Seconds since boot from the `[    5.123456]` prefix, else null. */
  readonly time: number | null;
}

/** Longest line we look at: kernel lines are at most ~1 KiB; longer ones are garbage or joins. */
export const MAX_LINE_CHARS = 2048;

// `<4>` console log level, `Nov 23 08:41:57 host kernel: ` syslog prefix.
const LEVEL = /^<\d{1,2}>/;
const SYSLOG =
  /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)) \S{1,64} kernel: /;
// `[    5.123456]`, optionally followed by `[ T123]` / `[  C1]` (syzkaller's console format glues
// them: `[  202.652969][ T9969]`); makedumpfile prints the caller id inside the same brackets.
const STAMP = /^\[\s*(\d{1,10}\.\d{1,9})\](?: ?\[\s*([TC]\d{1,10})\])?/;
const CALLER_ONLY = /^\[\s*([TC]\d{1,10})\]/;

export function parseLogLine(raw: string): LogLine {
  let s = raw.length > MAX_LINE_CHARS ? raw.slice(0, MAX_LINE_CHARS) : raw;
  if (s.endsWith('\r')) s = s.slice(0, -1);
  s = s.replace(LEVEL, '').replace(SYSLOG, '');
  let caller: string | null = null;
  let time: number | null = null;
  const m = STAMP.exec(s);
  if (m) {
    time = Number(m[1]);
    caller = m[2] ?? null;
    s = s.slice(m[0].length);
  } else {
    const c = CALLER_ONLY.exec(s);
    if (c) {
      caller = c[1] ?? null;
      s = s.slice(c[0].length);
    }
  }
  // The kernel separates prefix and message with one space; further indentation is meaningful
  // (call-trace frames are indented), so only that one space goes.
  if (s.startsWith(' ') && (time !== null || caller !== null)) s = s.slice(1);
  return { text: s, caller, time };
}

export function splitLogLines(text: string): LogLine[] {
  return text.split('\n').map(parseLogLine);
}
