import type { TriageResult } from '@kdumpfleet/contracts';
import { triageResultSchema } from '@kdumpfleet/contracts';
import type { ByteSource, OpenVmcoreOptions, Vmcore } from '@kdumpfleet/vmcore';
import {
  CachedSource,
  openContainer,
  openVmcore,
  readKernelLog,
  VmcoreFormatError,
} from '@kdumpfleet/vmcore';
import { isoSeconds } from './crash-time.js';
import { triageKernelLog } from './oops-section.js';

export interface TriageOptions {
  /** What the caller already unwrapped (the CLI passes 'zstd' after decompressing a .zst). */
  containerHint?: OpenVmcoreOptions['containerHint'];
  /** Bytes the caller read before handing over the source (the compressed .zst), for timings. */
  bytesReadBefore?: number;
  /** Time the caller spent unwrapping the container (decompressing a .zst), for timings. */
  unwrapMs?: number;
}

export interface TriageOutcome {
  readonly result: TriageResult;
  /** The kernel log (makedumpfile --dump-dmesg format), null when it could not be read. */
  readonly kernelLog: string | null;
  /** Why the kernel log could not be read, if it could not. */
  readonly logError: Error | null;
}

/**
 * Triage one vmcore: container, format, kernel, crash time from the dump's metadata; panic,
 * oops and signature from its kernel log. Reads only the header, VMCOREINFO, the pages of the
 * printk ring and the page tables on the way. Throws the vmcore library's typed errors when the
 * dump cannot be opened; an unreadable log gives a partial result (`logError`, `warnings`).
 */
export async function triageVmcoreDetailed(
  source: ByteSource,
  opts: TriageOptions = {},
): Promise<TriageOutcome> {
  const started = performance.now();
  const vmcore = await openNested(source, opts.containerHint);
  try {
    return await triageOpened(vmcore, started, opts);
  } finally {
    await vmcore.close();
  }
}

/**
 * openVmcore unwraps one container. A dump can sit in two: a makedumpfile -F stream that was
 * later stored as seekable zstd (what `kdumpfleet upload` makes of any file). When the inside of
 * the outer container is not a dump, look one level further; the outer container is reported.
 */
async function openNested(
  source: ByteSource,
  hint: TriageOptions['containerHint'],
): Promise<Vmcore> {
  try {
    return await openVmcore(source, hint ? { containerHint: hint } : {});
  } catch (e) {
    if (!(e instanceof VmcoreFormatError && e.code === 'UNKNOWN_FORMAT')) throw e;
    const outer = await openContainer(new CachedSource(source, {}));
    if (outer.container === 'none') throw e;
    try {
      return await openVmcore(outer.source, { containerHint: hint ?? outer.container });
    } catch {
      throw e; // not a container inside a container either: the first answer stands
    }
  }
}

/** Triage one vmcore; see triageVmcoreDetailed. */
export async function triageVmcore(
  source: ByteSource,
  opts: TriageOptions = {},
): Promise<TriageResult> {
  return (await triageVmcoreDetailed(source, opts)).result;
}

async function triageOpened(
  vmcore: Vmcore,
  started: number,
  opts: TriageOptions,
): Promise<TriageOutcome> {
  const warnings = [...vmcore.warnings];
  let kernelLog: string | null = null;
  let lines = 0;
  let logError: Error | null = null;
  try {
    const log = await readKernelLog(vmcore);
    kernelLog = log.text;
    lines = log.lines;
  } catch (e) {
    logError = e instanceof Error ? e : new Error(String(e));
    warnings.push(`kernel log not readable: ${logError.message}`);
  }
  const fromLog = triageKernelLog(kernelLog ?? '');
  const u = vmcore.utsname;
  const result: TriageResult = {
    container: vmcore.container,
    format: vmcore.format,
    compression: vmcore.compression,
    incomplete: vmcore.incomplete,
    kernel: {
      release: u.release || (vmcore.vmcoreinfo?.osRelease ?? ''),
      version: u.version,
      machine: u.machine,
      buildId: vmcore.buildId?.toLowerCase() ?? null,
    },
    crashTime: isoSeconds(vmcore.crashTime),
    panic: fromLog.panic,
    oops: fromLog.oops,
    signature: fromLog.signature,
    dmesg: { lines },
    timings: {
      ms: round(performance.now() - started),
      bytesRead: (opts.bytesReadBefore ?? 0) + vmcore.bytesRead,
      ...(opts.unwrapMs === undefined ? {} : { unwrapMs: round(opts.unwrapMs) }),
    },
    warnings,
  };
  return { result: triageResultSchema.parse(result), kernelLog, logError };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
