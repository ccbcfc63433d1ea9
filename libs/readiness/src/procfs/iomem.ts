/** A physical address range [start, end] (inclusive, as /proc/iomem prints it). */
export interface PhysRange {
  start: number;
  end: number;
}

export interface Iomem {
  /** Top-level or nested "Crash kernel" ranges (the crashkernel= reservation). */
  crashKernel: PhysRange[];
  /** Sum of top-level "System RAM": what the kernel's range form of crashkernel= compares with. */
  systemRamBytes: number;
  /** Non-root readers see every address as 0; then ranges are useless and sizes unknown. */
  addressesHidden: boolean;
}

/**
 * Parses /proc/iomem: `  start-end : name` lines, nesting shown by two spaces per level. Returns
 * a string on garbage so the caller can name the file in a finding.
 */
export function parseIomem(text: string): Iomem | { garbage: string } {
  const crashKernel: PhysRange[] = [];
  let systemRamBytes = 0;
  let allZero = true;
  let lines = 0;
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    const m = /^( *)([0-9a-fA-F]+)-([0-9a-fA-F]+) : (.*)$/.exec(raw);
    if (!m)
      return {
        garbage: `line ${i + 1} is not 'start-end : name': ${JSON.stringify(raw.slice(0, 60))}`,
      };
    lines++;
    const start = parseInt(m[2] as string, 16);
    const end = parseInt(m[3] as string, 16);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) {
      if (!(start === 0 && end === 0)) return { garbage: `line ${i + 1} has a bad range` };
    }
    if (start !== 0 || end !== 0) allZero = false;
    const name = (m[4] as string).trim();
    const depth = (m[1] as string).length;
    if (name === 'Crash kernel') crashKernel.push({ start, end });
    if (depth === 0 && name === 'System RAM') systemRamBytes += end - start + 1;
  }
  if (lines === 0) return { garbage: 'empty' };
  return { crashKernel, systemRamBytes, addressesHidden: allZero };
}

export function rangeBytes(r: PhysRange): number {
  return r.end - r.start + 1;
}
