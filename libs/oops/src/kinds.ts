import { TRIAGE_OOPS_KINDS } from '@kdumpfleet/contracts';

/**
 * The oops kinds, one table entry each (syzkaller pkg/report style): the header line that opens
 * a report, how its title reads, and how the report relates to its neighbours. The list itself
 * lives with the triage JSON's schema, which names the same kinds.
 */
export const OOPS_KINDS = TRIAGE_OOPS_KINDS;
export type OopsKind = (typeof OOPS_KINDS)[number];

/** What a title can say, beyond the culprit. */
export interface TitleInput {
  /** The header regexp's match: `[0]` whole, then capture groups. */
  readonly header: RegExpExecArray;
  readonly culprit: string | null;
  readonly panicMessage: string | null;
}

export interface KindEntry {
  readonly kind: OopsKind;
  /** Matches the header line's text (timestamps already stripped). */
  readonly header: RegExp;
  /** Title in syzkaller's style. */
  readonly title: (t: TitleInput) => string;
  /**
   * This header does not open a new report when it follows, within FOLLOW_WINDOW lines, the
   * header of a report of one of these kinds: it is the next line of that report
   * (`BUG: kernel NULL pointer dereference` → `Oops: 0002 [#1]`; `list_add corruption.` →
   * `kernel BUG at lib/list_debug.c` → `invalid opcode`; `sysrq: Trigger a crash` → panic).
   */
  readonly continues?: readonly OopsKind[];
  /** Panic messages this kind ends in (panic_on_warn, softlockup_panic, …). */
  readonly panics?: RegExp;
  /** Frames in IRQ/NMI sections belong to the detector that reported, not to the culprit. */
  readonly detector?: boolean;
  /** The CPU/PID/comm of the report come from the header (`[sh:187]`, `task sh:185`). */
  readonly task?: (m: RegExpExecArray) => { cpu?: number; pid?: number; comm?: string };
}

/** How many lines after a header a continuation header may appear. */
export const FOLLOW_WINDOW = 8;

const inCulprit = (prefix: string) => (t: TitleInput) =>
  t.culprit ? `${prefix} in ${t.culprit}` : prefix;

const OOPS_LIKE: readonly OopsKind[] = [
  'null-deref',
  'page-fault',
  'gpf',
  'bug',
  'list-corruption',
  'divide-error',
];
const FATAL_EXCEPTION = /^Fatal exception/;

// Order matters: the first entry whose header matches wins.
export const KIND_TABLE: readonly KindEntry[] = [
  {
    kind: 'list-corruption',
    // lib/list_debug.c: "list_add corruption. next->prev should be …", "list_del corruption, …",
    // "list_add double add: new=…".
    header: /^(list_add|list_del) (?:corruption|double add)\b/,
    title: (t) =>
      t.culprit ? `${t.header[1]} corruption in ${t.culprit}` : `${t.header[1]} corruption`,
    // Without BUG_ON_DATA_CORRUPTION the checker WARNs instead (then panic_on_warn may panic).
    panics: /^Fatal exception|^(?:kernel: )?panic_on_warn set/,
  },
  {
    kind: 'null-deref',
    header:
      /^BUG: (?:kernel NULL pointer dereference|unable to handle kernel NULL pointer dereference)/,
    title: inCulprit('BUG: kernel NULL pointer dereference'),
    continues: ['sysrq'],
    panics: FATAL_EXCEPTION,
  },
  {
    kind: 'page-fault',
    header:
      /^BUG: (?:unable to handle page fault for address|unable to handle kernel paging request)/,
    title: inCulprit('BUG: unable to handle page fault'),
    continues: ['sysrq'],
    panics: FATAL_EXCEPTION,
  },
  {
    kind: 'page-fault',
    // x86's page-fault oops line. It follows the BUG: line above; alone it still is a fault.
    header: /^(?:Oops: )?Oops: [0-9a-f]{4} \[#\d+\]/,
    title: inCulprit('BUG: unable to handle page fault'),
    continues: ['null-deref', 'page-fault', 'sysrq'],
    panics: FATAL_EXCEPTION,
  },
  {
    kind: 'gpf',
    header: /^(?:Oops: )?general protection fault\b/,
    title: inCulprit('general protection fault'),
    panics: FATAL_EXCEPTION,
  },
  {
    kind: 'divide-error',
    header: /^(?:Oops: )?divide[ _]error: [0-9a-f]{4}\b/,
    title: inCulprit('divide error'),
    panics: FATAL_EXCEPTION,
  },
  {
    kind: 'bug',
    header: /^kernel BUG at (\S{1,512}?):?(\d+)?!/,
    title: inCulprit('kernel BUG'),
    continues: ['list-corruption'],
    panics: FATAL_EXCEPTION,
  },
  {
    kind: 'bug',
    // BUG() is ud2: "invalid opcode" follows "kernel BUG at"; alone it is an unexplained #UD.
    header: /^(?:Oops: )?invalid opcode: [0-9a-f]{4}\b/,
    title: inCulprit('invalid opcode'),
    continues: ['bug', 'list-corruption'],
    panics: FATAL_EXCEPTION,
  },
  {
    kind: 'warning',
    header: /^WARNING: (?:CPU: (\d+) PID: (\d+) at |at )\S/,
    title: inCulprit('WARNING'),
    continues: ['list-corruption'],
    panics: /^panic_on_warn set|^kernel: panic_on_warn set/,
    task: (m) => ({ cpu: num(m[1]), pid: num(m[2]) }),
  },
  {
    kind: 'soft-lockup',
    header:
      /^(?:watchdog: |NMI watchdog: )?BUG: soft lockup - CPU#(\d+) stuck for \d+s! \[(.{0,64}):(\d+)\]/,
    title: inCulprit('BUG: soft lockup'),
    panics: /^softlockup: hung tasks/,
    detector: true,
    task: (m) => ({ cpu: num(m[1]), comm: m[2], pid: num(m[3]) }),
  },
  {
    kind: 'hard-lockup',
    header:
      /^(?:watchdog: |NMI watchdog: )?(?:CPU\d+: )?Watchdog detected hard LOCKUP on cpu (\d+)/,
    title: inCulprit('BUG: hard lockup'),
    panics: /^Hard LOCKUP|^Watchdog detected hard LOCKUP|^hardlockup: /,
    detector: true,
    task: (m) => ({ cpu: num(m[1]) }),
  },
  {
    kind: 'hung-task',
    header: /^INFO: task (.{0,64}):(\d+) blocked (?:in I\/O wait )?for more than \d+ seconds/,
    title: inCulprit('INFO: task hung'),
    panics: /^hung_task: blocked tasks/,
    task: (m) => ({ comm: m[1], pid: num(m[2]) }),
  },
  {
    kind: 'hung-task',
    // The task name is raw bytes and may hold a newline: "INFO: task <junk>" then "…:123 blocked".
    header: /^INFO: task ([^:]{0,64})$/,
    title: inCulprit('INFO: task hung'),
    panics: /^hung_task: blocked tasks/,
  },
  {
    kind: 'rcu-stall',
    header:
      /^(?:rcu: )?INFO: rcu_(?:preempt|sched|bh) (?:self-detected stall on CPU|detected stalls? on)/,
    title: inCulprit('INFO: rcu detected stall'),
    panics: /^RCU Stall/,
    detector: true,
  },
  {
    kind: 'oom',
    header: /^(.{1,64}) invoked oom-killer: /,
    title: inCulprit('out of memory'),
    panics: /^Out of memory|^System is deadlocked on memory/,
  },
  {
    kind: 'sysrq',
    header: /^(?:sysrq: )?(?:SysRq : )?Trigger a crash/,
    title: inCulprit('sysrq: Trigger a crash'),
    // Before 5.x sysrq-c wrote through NULL: the oops follows, then "Fatal exception".
    panics: /^sysrq triggered crash|^Fatal exception/,
  },
  {
    kind: 'panic',
    header: /^Kernel panic - not syncing: ?(.{0,512})/,
    title: (t) => {
      const msg = t.panicMessage ?? '';
      return t.culprit ? `panic: ${msg} in ${t.culprit}` : `panic: ${msg}`;
    },
    continues: ['sysrq'],
  },
  {
    kind: 'bug',
    // Other BUG: reports (scheduling while atomic, Bad page state, KASAN…): the nearest kind.
    header: /^BUG: ([^,:!]{1,80})/,
    title: (t) => `BUG: ${(t.header[1] ?? '').trim()}${t.culprit ? ` in ${t.culprit}` : ''}`,
    panics: FATAL_EXCEPTION,
  },
];

/** Kinds whose report is a real oops (the CPU took an exception in kernel code). */
export const OOPS_KIND_SET: ReadonlySet<OopsKind> = new Set(OOPS_LIKE);

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}
