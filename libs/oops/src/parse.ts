import type { KindEntry, OopsKind } from './kinds.js';
import { FOLLOW_WINDOW, KIND_TABLE, OOPS_KIND_SET } from './kinds.js';
import type { LogLine } from './log-lines.js';
import { splitLogLines } from './log-lines.js';
import type { CrashReport, ReportBody, ReportSpan } from './report.js';
import { findCulprit, readReportBody } from './report.js';
import { computeSignature } from './signature.js';

export interface ParsedKernelLog {
  /** Every report found, in log order. */
  readonly reports: CrashReport[];
  /** The report that explains the crash (rule in README and `choosePrimary`), null if none. */
  readonly primary: CrashReport | null;
  /** Text after the last `Kernel panic - not syncing: ` of the log, null if none. */
  readonly panicMessage: string | null;
}

/** Limits that keep hostile input bounded: lines per report, reports per log. */
export const MAX_REPORT_LINES = 400;
export const MAX_REPORTS = 256;

const PANIC_LINE = /^Kernel panic - not syncing: ?(.{0,512})$/;

/** Kernel log text (dmesg, console, makedumpfile --dump-dmesg) → crash reports. */
export function parseKernelLog(text: string): ParsedKernelLog {
  const lines = splitLogLines(text);
  const spans = segment(lines);
  const bodies = spans.map((s) => readReportBody(lines, s));
  let panicMessage: string | null = null;
  for (const l of lines) {
    const m = PANIC_LINE.exec(l.text.trimStart());
    if (m) panicMessage = m[1]!.trim();
  }
  const primaryIndex = choosePrimary(bodies, spans);
  const reports = bodies.map((b, i) => finish(b, spans[i]!.entry, spans[i]!.match));
  let primary: CrashReport | null = null;
  if (primaryIndex !== null) {
    const { index, kind, borrow } = primaryIndex;
    const body = merge(bodies[index]!, borrow === null ? null : bodies[borrow]!, kind);
    const entry = entryFor(kind, spans[index]!.entry);
    primary = finish(body, entry, spans[index]!.match);
  }
  return { reports, primary, panicMessage };
}

/** Splits the log into report spans: a header opens one, unless it continues the open one. */
function segment(lines: readonly LogLine[]): ReportSpan[] {
  const spans: ReportSpan[] = [];
  let open: ReportSpan | null = null;
  let lastHeaderLine = -1;
  for (let i = 0; i < lines.length; i++) {
    // Headers are not indented in kernel output, but quoted reports (mail, docs) often are.
    const text = lines[i]!.text.trimStart();
    if (text.length < 8) continue;
    const hit = matchHeader(text);
    if (!hit) continue;
    const [entry, match] = hit;
    if (
      open !== null &&
      entry.continues?.includes(open.entry.kind) &&
      i - lastHeaderLine <= FOLLOW_WINDOW &&
      sameCaller(lines, open.start, i)
    ) {
      lastHeaderLine = i;
      continue;
    }
    if (open !== null) open.end = Math.min(i, open.start + MAX_REPORT_LINES);
    if (spans.length >= MAX_REPORTS) break;
    open = { entry, match, start: i, end: Math.min(lines.length, i + MAX_REPORT_LINES) };
    spans.push(open);
    lastHeaderLine = i;
  }
  return spans;
}

function sameCaller(lines: readonly LogLine[], a: number, b: number): boolean {
  const ca = lines[a]!.caller;
  const cb = lines[b]!.caller;
  return ca === null || cb === null || ca === cb;
}

function matchHeader(text: string): [KindEntry, RegExpExecArray] | null {
  for (const entry of KIND_TABLE) {
    const m = entry.header.exec(text);
    if (m) return [entry, m];
  }
  return null;
}

interface PrimaryChoice {
  index: number;
  kind: OopsKind;
  /** A report whose trace/task fields fill what the primary lacks (the panic after sysrq). */
  borrow: number | null;
}

/**
 * The primary report:
 * 1. If the log has a `Kernel panic - not syncing:` report, the last one is the crash. When its
 *    message is one a kind ends in (panic_on_warn, softlockup_panic, hung_task_panic, panic_on_oom,
 *    "Fatal exception" after an oops, "sysrq triggered crash", "Hard LOCKUP", "RCU Stall"), the
 *    primary is the nearest earlier report of that kind, moved back to the first of an unbroken
 *    run of same-kind reports (several hung tasks → the first); if there is none, the panic report
 *    itself, reclassified to that kind when only that kind ends in the message. Otherwise (an explicit panic()) the panic report.
 * 2. With no panic line (panic_on_oops jumps into the capture kernel before panic() prints), the
 *    last oops-class report (page faults, GPF, BUG, list corruption, divide error); if there is
 *    none, the last report of any kind.
 */
export function choosePrimary(
  bodies: readonly ReportBody[],
  spans: readonly ReportSpan[],
): PrimaryChoice | null {
  if (bodies.length === 0) return null;
  let panicIdx = -1;
  for (let i = bodies.length - 1; i >= 0; i--) {
    if (spans[i]!.entry.kind === 'panic' && bodies[i]!.panicMessage !== null) {
      panicIdx = i;
      break;
    }
  }
  if (panicIdx >= 0) {
    const message = bodies[panicIdx]!.panicMessage!;
    const causes = new Set<OopsKind>(
      KIND_TABLE.filter((e) => e.panics?.test(message)).map((e) => e.kind),
    );
    if (causes.size > 0) {
      for (let j = panicIdx - 1; j >= 0; j--) {
        const kind = spans[j]!.entry.kind;
        if (!causes.has(kind)) continue;
        let first = j;
        while (first > 0 && spans[first - 1]!.entry.kind === kind) first--;
        const needsTrace = bodies[first]!.frames.length === 0 && bodies[first]!.rip === null;
        return { index: first, kind, borrow: needsTrace ? panicIdx : null };
      }
      // No earlier report: the panic line alone names the kind when only one kind ends in it
      // (an older hard-lockup panic, sysrq without its trigger line, an OOM panic). "Fatal
      // exception" or "panic_on_warn set" alone name nothing certain: they stay panics.
      const [only] = causes;
      if (causes.size === 1 && only !== undefined && !OOPS_KIND_SET.has(only))
        return { index: panicIdx, kind: only, borrow: null };
    }
    return { index: panicIdx, kind: 'panic', borrow: null };
  }
  for (let i = bodies.length - 1; i >= 0; i--) {
    if (OOPS_KIND_SET.has(spans[i]!.entry.kind))
      return { index: i, kind: spans[i]!.entry.kind, borrow: null };
  }
  const last = bodies.length - 1;
  return { index: last, kind: spans[last]!.entry.kind, borrow: null };
}

/** Fills the primary's missing trace and task fields from the report that carried them. */
function merge(body: ReportBody, donor: ReportBody | null, kind: OopsKind): ReportBody {
  if (donor === null) return { ...body, kind };
  return {
    ...body,
    kind,
    frames: donor.frames,
    candidates: donor.candidates,
    rip: body.rip ?? donor.rip,
    cpu: body.cpu ?? donor.cpu,
    pid: body.pid ?? donor.pid,
    comm: body.comm ?? donor.comm,
    taint: body.taint ?? donor.taint,
    hardware: body.hardware ?? donor.hardware,
    modules: body.modules.length > 0 ? body.modules : donor.modules,
    panicMessage: body.panicMessage ?? donor.panicMessage,
    endLine: Math.max(body.endLine, donor.endLine),
  };
}

function entryFor(kind: OopsKind, fallback: KindEntry): KindEntry {
  if (fallback.kind === kind) return fallback;
  return KIND_TABLE.find((e) => e.kind === kind) ?? fallback;
}

function finish(body: ReportBody, entry: KindEntry, match: RegExpExecArray): CrashReport {
  const { culprit, index } = findCulprit(body, entry);
  const title = entry.title({
    header: match,
    culprit: culprit?.symbol ?? null,
    panicMessage: body.panicMessage,
  });
  const signature = computeSignature({
    kind: body.kind,
    culprit,
    frames: body.candidates,
    culpritIndex: index,
    panicMessage: body.panicMessage,
  });
  const { candidates: _candidates, ...fields } = body;
  void _candidates;
  return { ...fields, kind: body.kind, title, culprit, signature };
}
