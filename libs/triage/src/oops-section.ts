import type { TriageOops } from '@kdumpfleet/contracts';
import type { CrashReport, ParsedKernelLog } from '@kdumpfleet/oops';
import { parseKernelLog } from '@kdumpfleet/oops';

/** The log-derived part of a triage result. */
export interface LogTriage {
  readonly panic: { message: string | null };
  readonly oops: TriageOops | null;
  readonly signature: string | null;
  readonly parsed: ParsedKernelLog;
}

/** Kernel log text → the `panic`, `oops` and `signature` fields of the triage JSON. */
export function triageKernelLog(text: string): LogTriage {
  const parsed = parseKernelLog(text);
  const p = parsed.primary;
  return {
    panic: { message: parsed.panicMessage },
    oops: p === null ? null : toContract(p),
    signature: p?.signature ?? null,
    parsed,
  };
}

function toContract(r: CrashReport): TriageOops {
  return {
    kind: r.kind,
    title: r.title,
    culprit: r.culprit ? { symbol: r.culprit.symbol, module: r.culprit.module } : null,
    ripSymbol: r.rip?.symbol ?? null,
    rip: r.rip
      ? { symbol: r.rip.symbol, offset: r.rip.offset, size: r.rip.size, module: r.rip.module }
      : null,
    cpu: r.cpu,
    pid: r.pid,
    comm: r.comm,
    taint: r.taint ? { raw: r.taint.raw, flags: [...r.taint.flags] } : null,
    hardware: r.hardware,
    modules: [...r.modules],
    frames: r.frames.map((f) => ({
      symbol: f.symbol,
      offset: f.offset,
      size: f.size,
      module: f.module,
      reliable: f.reliable,
      section: f.section,
    })),
  };
}
