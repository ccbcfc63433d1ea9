import type { Meminfo } from '../procfs/meminfo.js';
import { MiB } from '../crashkernel/size.js';

export interface DumpSizeEstimate {
  /** Bytes makedumpfile keeps at this dump level, before compression. */
  rawBytes: number;
  /** What to expect on disk: half of raw when compressed (kernel memory compresses ~2:1 with lzo/zlib). */
  expectedBytes: number;
  explanation: string;
}

/**
 * Expected dump size from /proc/meminfo and the makedumpfile dump level (bits: 1 zero pages,
 * 2 non-private cache, 4 private cache, 8 user pages, 16 free pages). Zero pages cannot be
 * predicted and are not subtracted, so the estimate errs high.
 */
export function estimateDumpSize(
  mi: Meminfo,
  dumpLevel: number,
  compressed: boolean,
): DumpSizeEstimate {
  const total = mi.MemTotal ?? 0;
  let excluded = 0;
  const parts: string[] = [];
  if (dumpLevel & 16) {
    excluded += mi.MemFree ?? 0;
    parts.push('free');
  }
  if (dumpLevel & 6) {
    excluded += Math.max(0, (mi.Cached ?? 0) + (mi.Buffers ?? 0) - (mi.Shmem ?? 0));
    parts.push('cache');
  }
  if (dumpLevel & 8) {
    excluded += mi.AnonPages ?? 0;
    parts.push('user');
  }
  const rawBytes = Math.max(64 * MiB, total - excluded);
  const expectedBytes = compressed ? Math.ceil(rawBytes / 2) : rawBytes;
  const explanation = `dump level ${dumpLevel}${parts.length ? ` excludes ${parts.join(', ')} pages` : ' keeps every page'}${compressed ? ', compressed (~2:1)' : ', uncompressed'}`;
  return { rawBytes, expectedBytes, explanation };
}
