import type { Frame, FrameSection, InstructionPointer } from './frame.js';
import { SECTION_RE, baseSymbol, parseFrame, parseInstructionPointer } from './frame.js';
import type { KindEntry, OopsKind } from './kinds.js';
import type { LogLine } from './log-lines.js';
import { isMachinery } from './machinery.js';
import type { Taint } from './taint.js';
import { parseTaint } from './taint.js';

export interface Culprit {
  /** Function name, clone suffixes (`.cold`, `.isra.0`…) stripped. */
  readonly symbol: string;
  /** Module name from the frame's `[mod]`, null for the core kernel. */
  readonly module: string | null;
}

export interface CrashReport {
  readonly kind: OopsKind;
  readonly title: string;
  readonly culprit: Culprit | null;
  /** First kernel-mode `RIP:` of the report, null when it has none (panic, hung task, OOM). */
  readonly rip: InstructionPointer | null;
  readonly cpu: number | null;
  readonly pid: number | null;
  readonly comm: string | null;
  readonly taint: Taint | null;
  readonly hardware: string | null;
  /** `Modules linked in:` names, flags like `(OE)` dropped. */
  readonly modules: string[];
  readonly frames: Frame[];
  /** Text after `Kernel panic - not syncing: ` inside this report, if any. */
  readonly panicMessage: string | null;
  /** The header line's text. */
  readonly header: string;
  /** 0-based line range [startLine, endLine) in the log. */
  readonly startLine: number;
  readonly endLine: number;
  readonly signature: string;
}

/** A report before titles and signatures: what the segmenter hands to the extractor. */
export interface ReportSpan {
  entry: KindEntry;
  match: RegExpExecArray;
  start: number;
  end: number;
}

/** Fields read from a report's body lines; title and signature are computed later. */
export type ReportBody = Omit<CrashReport, 'title' | 'signature' | 'culprit'> & {
  /** Culprit candidates in order (RIP, then reliable frames), machinery not yet skipped. */
  readonly candidates: Frame[];
  /** candidates[0] is a RIP printed before the call trace (the interrupted instruction). */
  readonly ripLeads: boolean;
};

const CPU_LINE =
  /\bCPU: (\d{1,5}) (?:UID: \d{1,10} )?PID: (\d{1,10}) Comm: (.{1,64}?)(?: Kdump: \S+)?(?: (?:Not tainted|Tainted:)|\s*$)/;
const HARDWARE = /^Hardware name: (.{1,256})$/;
const MODULES = /^Modules linked in:(.{0,4096})$/;
const PANIC = /^Kernel panic - not syncing: ?(.{0,512})$/;
const TIMER_ENTRY =
  /^(?:asm_)?(?:smp_|sysvec_|__sysvec_)?apic_timer_interrupt$|^(?:asm_)?exc_nmi$|^el1_irq$/;
const CALL_TRACE = /^\s{0,8}Call [Tt]race:/;

/** Reads one report's lines [start, end). Lines from other callers are ignored when known. */
export function readReportBody(lines: readonly LogLine[], span: ReportSpan): ReportBody {
  const first = lines[span.start]!;
  const caller = first.caller;
  const task = span.entry.task?.(span.match) ?? {};
  let cpu: number | null = task.cpu ?? null;
  let pid: number | null = task.pid ?? null;
  let comm: string | null = task.comm ?? null;
  let taint: Taint | null = null;
  let hardware: string | null = null;
  let modules: string[] = [];
  let rip: InstructionPointer | null = null;
  let panicMessage: string | null = null;
  let section: FrameSection = null;
  let sawTrace = false;
  let ripLeads = false;
  let sawCpuLine = false;
  const frames: Frame[] = [];
  const candidates: Frame[] = [];

  for (let i = span.start; i < span.end; i++) {
    const line = lines[i]!;
    // Interleaved output from other CPUs/tasks: with caller ids we can drop it exactly.
    if (caller !== null && line.caller !== null && line.caller !== caller) continue;
    const text = line.text;
    if (text.length === 0) continue;
    const trimmed = text.trimStart();

    let frameText = text;
    const sec = SECTION_RE.exec(text);
    if (sec) {
      section = sec[1] === '/' ? null : (sec[2] as FrameSection);
      if (sec[2] === 'EOI') section = null;
      // Old kernels print the marker and the next frame on one line: ` <IRQ>  [<…>] sym+…`.
      if (sec[3] === undefined) continue;
      frameText = sec[3];
    }
    const frame = parseFrame(frameText, section);
    if (frame) {
      frames.push(frame);
      if (frame.reliable) candidates.push(frame);
      continue;
    }
    if (CALL_TRACE.test(text)) {
      sawTrace = true;
      continue;
    }
    const ip: InstructionPointer | null = rip === null ? parseInstructionPointer(text) : null;
    if (ip) {
      rip = ip;
      // The faulting instruction comes first among culprit candidates unless frames were
      // already collected (a panic's own trace precedes the interrupted context's RIP).
      if (ip.symbol !== null) {
        const ripFrame: Frame = {
          symbol: ip.symbol,
          offset: ip.offset!,
          size: ip.size!,
          module: ip.module,
          reliable: true,
          section: sawTrace ? section : null,
        };
        if (sawTrace) candidates.push(ripFrame);
        else {
          candidates.unshift(ripFrame);
          ripLeads = true;
        }
      }
      continue;
    }
    // The first `CPU: … PID: … Comm:` line of the report is the crashing task's (later ones are
    // other CPUs' NMI backtraces); it fills what the header did not say.
    const c = sawCpuLine ? null : CPU_LINE.exec(text);
    if (c) {
      sawCpuLine = true;
      cpu ??= Number(c[1]);
      pid ??= Number(c[2]);
      comm ??= c[3]!.trim();
    }
    if (taint === null) taint = parseTaint(text);
    const h = HARDWARE.exec(trimmed);
    if (h && hardware === null) hardware = h[1]!.trim();
    const mods = MODULES.exec(trimmed);
    if (mods && modules.length === 0) modules = parseModules(mods[1]!);
    const p = PANIC.exec(trimmed);
    if (p && panicMessage === null) panicMessage = p[1]!.trim();
  }

  return {
    kind: span.entry.kind,
    rip,
    cpu,
    pid,
    comm,
    taint,
    hardware,
    modules,
    frames,
    candidates,
    ripLeads,
    panicMessage,
    header: first.text.trimStart(),
    startLine: span.start,
    endLine: span.end,
  };
}

function parseModules(list: string): string[] {
  return list
    .trim()
    .split(/\s+/)
    .filter((m) => m.length > 0 && !m.startsWith('['))
    .map((m) => m.replace(/\(.*\)$/, ''))
    .slice(0, 1024);
}

/**
 * The culprit: the first candidate (RIP, then reliable frames in order) that is not crash
 * machinery. Detector kinds ignore frames printed in IRQ/NMI sections (the detector's own
 * interrupt). A frame at offset 0x0 is the return address of a noreturn call landing on the
 * next function (panic() in the caller's last instruction): the name is wrong, so skip it.
 */
export function findCulprit(
  body: ReportBody,
  entry: KindEntry,
): { culprit: Culprit | null; index: number } {
  const list = body.candidates;
  // Detectors run from the timer interrupt (or NMI): their report's trace starts with the
  // detector's own frames; the stuck code is what the interrupt interrupted, after its entry.
  let from = 0;
  let dropIrq = false;
  if (entry.detector) {
    let cut = -1;
    for (let i = body.ripLeads ? 1 : 0; i < list.length; i++)
      if (TIMER_ENTRY.test(baseSymbol(list[i]!.symbol))) cut = i;
    if (cut >= 0 && !body.ripLeads) from = cut + 1;
    else dropIrq = true;
  }
  for (let i = from; i < list.length; i++) {
    const f = list[i]!;
    if (dropIrq && (f.section === 'IRQ' || f.section === 'NMI' || f.section === 'SOFTIRQ'))
      continue;
    if (f.offset === '0x0' && i > 0) continue;
    const base = baseSymbol(f.symbol);
    if (isMachinery(base)) continue;
    return { culprit: { symbol: base, module: f.module }, index: i };
  }
  return { culprit: null, index: -1 };
}
