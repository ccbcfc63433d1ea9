import { CrashkernelSyntaxError } from '../errors.js';
import { formatSize, scanSize } from './size.js';

/** One `start-[end]:size` entry of the range form; `end` is exclusive, null = no upper bound. */
export interface CrashkernelRange {
  start: number;
  end: number | null;
  size: number;
}

/**
 * One `crashkernel=` argument, in every form the kernel's `parse_crashkernel()` knows
 * (Documentation/admin-guide/kdump/kdump.rst):
 * - `size[@offset]`                         fixed size, optional physical start
 * - `start-[end]:size[,start-[end]:size…][@offset]` size chosen by the amount of system RAM
 * - `size,high` / `size,low`                x86_64/arm64: reservation above 4 GiB, and the low part
 * - `size,cma`                              extra reservation from CMA (6.15+), usable by the host
 * - `auto`                                  RHEL 7/8 only; the kernel picks (upstream rejects it)
 */
export type CrashkernelSpec =
  | { kind: 'fixed'; size: number; offset: number | null }
  | { kind: 'ranges'; ranges: CrashkernelRange[]; offset: number | null }
  | { kind: 'high'; size: number }
  | { kind: 'low'; size: number }
  | { kind: 'cma'; size: number }
  | { kind: 'auto' };

export function parseCrashkernel(value: string): CrashkernelSpec {
  if (value === 'auto') return { kind: 'auto' };
  if (value.length === 0) throw new CrashkernelSyntaxError('empty value', value, 0);
  for (const kind of ['high', 'low', 'cma'] as const) {
    const suffix = `,${kind}`;
    if (value.endsWith(suffix)) {
      const body = value.slice(0, -suffix.length);
      const s = scanSize(body, 0);
      if (!s) throw new CrashkernelSyntaxError('expected a size', value, 0);
      if (s.end !== body.length)
        throw new CrashkernelSyntaxError(`unexpected '${body[s.end]}'`, value, s.end);
      return { kind, size: s.bytes };
    }
  }
  // The range form is recognised, as in the kernel, by a ':' before any '@'.
  const at = value.indexOf('@');
  const colon = value.indexOf(':');
  if (colon >= 0 && (at < 0 || colon < at)) return parseRanges(value);
  const s = scanSize(value, 0);
  if (!s) throw new CrashkernelSyntaxError('expected a size', value, 0);
  return { kind: 'fixed', size: s.bytes, offset: parseOffset(value, s.end) };
}

function parseOffset(value: string, pos: number): number | null {
  if (pos === value.length) return null;
  if (value[pos] !== '@')
    throw new CrashkernelSyntaxError(`unexpected '${value[pos]}'`, value, pos);
  const o = scanSize(value, pos + 1);
  if (!o) throw new CrashkernelSyntaxError('expected an offset after @', value, pos + 1);
  if (o.end !== value.length)
    throw new CrashkernelSyntaxError(`unexpected '${value[o.end]}'`, value, o.end);
  return o.bytes;
}

function parseRanges(value: string): CrashkernelSpec {
  const ranges: CrashkernelRange[] = [];
  let pos = 0;
  for (;;) {
    const start = scanSize(value, pos);
    if (!start) throw new CrashkernelSyntaxError('expected a range start', value, pos);
    pos = start.end;
    if (value[pos] !== '-') throw new CrashkernelSyntaxError("expected '-'", value, pos);
    pos++;
    let end: number | null = null;
    if (value[pos] !== ':') {
      const e = scanSize(value, pos);
      if (!e) throw new CrashkernelSyntaxError('expected a range end or ":"', value, pos);
      if (e.bytes <= start.bytes)
        throw new CrashkernelSyntaxError('range end must be above its start', value, pos);
      end = e.bytes;
      pos = e.end;
    }
    if (value[pos] !== ':') throw new CrashkernelSyntaxError("expected ':'", value, pos);
    pos++;
    const size = scanSize(value, pos);
    if (!size) throw new CrashkernelSyntaxError('expected a size', value, pos);
    pos = size.end;
    ranges.push({ start: start.bytes, end, size: size.bytes });
    if (value[pos] === ',') {
      pos++;
      continue;
    }
    return { kind: 'ranges', ranges, offset: parseOffset(value, pos) };
  }
}

/** The canonical text of a spec (what `parseCrashkernel` reads back to the same spec). */
export function formatCrashkernel(spec: CrashkernelSpec): string {
  const off = (o: number | null) => (o === null ? '' : `@${formatSize(o)}`);
  switch (spec.kind) {
    case 'auto':
      return 'auto';
    case 'fixed':
      return `${formatSize(spec.size)}${off(spec.offset)}`;
    case 'high':
    case 'low':
    case 'cma':
      return `${formatSize(spec.size)},${spec.kind}`;
    case 'ranges':
      return (
        spec.ranges
          .map(
            (r) =>
              `${formatSize(r.start)}-${r.end === null ? '' : formatSize(r.end)}:${formatSize(r.size)}`,
          )
          .join(',') + off(spec.offset)
      );
  }
}

/** What the kernel would reserve for a set of `crashkernel=` arguments on a host. */
export interface CrashkernelRequest {
  /** Main reservation (below 4 GiB unless `high`), 0 when none applies. */
  size: number;
  offset: number | null;
  /** The main reservation was asked above 4 GiB (`,high`). */
  high: boolean;
  /** Explicit `,low` size, null when not given (the kernel then picks a default low part). */
  low: number | null;
  cma: number;
  /** `crashkernel=auto`: only RHEL 7/8 kernels understand it. */
  auto: boolean;
  /** Arguments that did not parse, with the reason. */
  errors: string[];
  /** A range form could not be resolved because the RAM size is unknown (`size` is then 0). */
  unresolvedRanges: boolean;
}

/**
 * Applies the kernel's rules to every `crashkernel=` argument: the last plain/range form wins,
 * `,high` replaces it, `,low` and `,cma` add to it. Range sizes are chosen by `systemRamBytes`
 * (the kernel compares the range against total system RAM, end exclusive).
 */
export function resolveCrashkernel(
  values: string[],
  systemRamBytes: number | null,
): CrashkernelRequest {
  const req: CrashkernelRequest = {
    size: 0,
    offset: null,
    high: false,
    low: null,
    cma: 0,
    auto: false,
    errors: [],
    unresolvedRanges: false,
  };
  for (const v of values) {
    let spec: CrashkernelSpec;
    try {
      spec = parseCrashkernel(v);
    } catch (err) {
      req.errors.push(err instanceof Error ? err.message : String(err));
      continue;
    }
    switch (spec.kind) {
      case 'auto':
        req.auto = true;
        break;
      case 'fixed':
        req.size = spec.size;
        req.unresolvedRanges = false;
        req.offset = spec.offset;
        req.high = false;
        break;
      case 'ranges': {
        const hit =
          systemRamBytes === null
            ? undefined
            : spec.ranges.find(
                (r) => systemRamBytes >= r.start && (r.end === null || systemRamBytes < r.end),
              );
        req.size = hit?.size ?? 0;
        req.unresolvedRanges = systemRamBytes === null;
        req.offset = spec.offset;
        req.high = false;
        break;
      }
      case 'high':
        req.size = spec.size;
        req.high = true;
        break;
      case 'low':
        req.low = spec.size;
        break;
      case 'cma':
        req.cma = spec.size;
        break;
    }
  }
  return req;
}
