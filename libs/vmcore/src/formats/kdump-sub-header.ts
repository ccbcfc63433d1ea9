import { VmcoreFormatError } from '../errors.js';

/**
 * Block 1 of a kdump-compressed dump (makedumpfile's struct kdump_sub_header, 64-bit layout).
 * Which fields are meaningful depends on disk_dump_header.header_version:
 *
 *   struct kdump_sub_header {
 *   0    unsigned long      phys_base;
 *   8    int                dump_level;         v1+: makedumpfile -d level
 *   12   int                split;              v2+: 1 when the dump is split into several files
 *   16   unsigned long      start_pfn;          v2+: first pfn in this (split) file (OBSOLETE)
 *   24   unsigned long      end_pfn;            v2+: pfn after the last one (OBSOLETE)
 *   32   off_t              offset_vmcoreinfo;  v3+: file offset of the VMCOREINFO text
 *   40   unsigned long      size_vmcoreinfo;    v3+
 *   48   off_t              offset_note;        v4+: file offset of the ELF notes of /proc/vmcore
 *   56   unsigned long      size_note;          v4+
 *   64   off_t              offset_eraseinfo;   v5+: makedumpfile --config erase info
 *   72   unsigned long      size_eraseinfo;     v5+
 *   80   unsigned long long start_pfn_64;       v6+: full 64-bit start_pfn
 *   88   unsigned long long end_pfn_64;         v6+
 *   96   unsigned long long max_mapnr_64;       v6+: supersedes disk_dump_header.max_mapnr
 *   };
 */
export const KDUMP_SUB_HEADER_SIZE = 104;

export interface KdumpSubHeader {
  physBase: bigint;
  dumpLevel: number;
  /** v2+ (undefined before) */
  split?: number;
  startPfn?: bigint;
  endPfn?: bigint;
  /** v3+ */
  offsetVmcoreinfo?: bigint;
  sizeVmcoreinfo?: bigint;
  /** v4+ */
  offsetNote?: bigint;
  sizeNote?: bigint;
  /** v5+ */
  offsetEraseinfo?: bigint;
  sizeEraseinfo?: bigint;
  /** v6+ */
  startPfn64?: bigint;
  endPfn64?: bigint;
  maxMapnr64?: bigint;
}

/** Bytes of the sub header that exist for a header version. */
export function subHeaderSizeFor(version: number): number {
  if (version <= 1) return 16;
  if (version === 2) return 32;
  if (version === 3) return 48;
  if (version === 4) return 64;
  if (version === 5) return 80;
  return KDUMP_SUB_HEADER_SIZE;
}

/** Parse the fields of `version` from `bytes` (found at `fileOffset`, for error messages). */
export function parseKdumpSubHeader(
  bytes: Uint8Array,
  version: number,
  fileOffset: number,
): KdumpSubHeader {
  const need = subHeaderSizeFor(version);
  if (bytes.length < need) {
    throw new VmcoreFormatError('TRUNCATED', `kdump sub header v${version} needs ${need} bytes`, {
      offset: fileOffset,
      field: 'kdump_sub_header',
    });
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (o: number): bigint => v.getBigUint64(o, true);
  const s: KdumpSubHeader = { physBase: u64(0), dumpLevel: v.getInt32(8, true) };
  if (version >= 2) {
    s.split = v.getInt32(12, true);
    s.startPfn = u64(16);
    s.endPfn = u64(24);
  }
  if (version >= 3) {
    s.offsetVmcoreinfo = v.getBigInt64(32, true);
    s.sizeVmcoreinfo = u64(40);
  }
  if (version >= 4) {
    s.offsetNote = v.getBigInt64(48, true);
    s.sizeNote = u64(56);
  }
  if (version >= 5) {
    s.offsetEraseinfo = v.getBigInt64(64, true);
    s.sizeEraseinfo = u64(72);
  }
  if (version >= 6) {
    s.startPfn64 = u64(80);
    s.endPfn64 = u64(88);
    s.maxMapnr64 = u64(96);
  }
  return s;
}
