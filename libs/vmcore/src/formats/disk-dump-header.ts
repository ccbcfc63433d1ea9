import { VmcoreFormatError } from '../errors.js';
import { parseUtsname, type Utsname, UTSNAME_SIZE } from './utsname.js';

/**
 * Block 0 of a kdump-compressed dump, modelled on makedumpfile's diskdump_mod.h for a 64-bit
 * little-endian producer (x86_64, arm64, …). Offsets include the C padding the struct gets there:
 *
 *   struct disk_dump_header {
 *   0    char               signature[8];      "KDUMP   " (or "DISKDUMP" from old diskdump)
 *   8    int                header_version;    1..6, selects the kdump_sub_header fields
 *   12   struct new_utsname utsname;           6 × char[65] = 390 bytes, ends at 402
 *   408  struct timeval     timestamp;         tv_sec, tv_usec (8 + 8); 402→408 is padding
 *   424  unsigned int       status;            DUMP_DH_* flags (compression, INCOMPLETE, …)
 *   428  int                block_size;        bytes per block, = page size
 *   432  int                sub_hdr_size;      kdump_sub_header size, in blocks
 *   436  unsigned int       bitmap_blocks;     both bitmaps together, in blocks
 *   440  unsigned int       max_mapnr;         number of pfns (32-bit; OBSOLETE since v6)
 *   444  unsigned int       total_ram_blocks;  unused by makedumpfile
 *   448  unsigned int       device_blocks;     unused by makedumpfile
 *   452  unsigned int       written_blocks;    unused by makedumpfile
 *   456  unsigned int       current_cpu;       CPU that ran the dump (unused by makedumpfile)
 *   460  int                nr_cpus;           number of CPUs
 *   464  struct task_struct *tasks[nr_cpus];   unused by makedumpfile
 *   };
 */
export const KDUMP_SIGNATURE = 'KDUMP   ';
export const DISKDUMP_SIGNATURE = 'DISKDUMP';

/** DUMP_DH_* flags in `status` (and page_desc.flags for the compression bits) */
export const DUMP_DH_COMPRESSED_ZLIB = 0x1;
export const DUMP_DH_COMPRESSED_LZO = 0x2;
export const DUMP_DH_COMPRESSED_SNAPPY = 0x4;
export const DUMP_DH_COMPRESSED_INCOMPLETE = 0x8;
export const DUMP_DH_EXCLUDED_VMEMMAP = 0x10;
export const DUMP_DH_COMPRESSED_ZSTD = 0x20;

export const DISK_DUMP_HEADER_SIZE = 464;

export interface DiskDumpHeader {
  signature: string;
  headerVersion: number;
  utsname: Utsname;
  /** struct timeval: when makedumpfile wrote the dump */
  timestamp: { sec: bigint; usec: bigint };
  status: number;
  blockSize: number;
  subHdrSize: number;
  bitmapBlocks: number;
  /** 32-bit max_mapnr; the sub header's max_mapnr_64 supersedes it from version 6 */
  maxMapnr: number;
  totalRamBlocks: number;
  deviceBlocks: number;
  writtenBlocks: number;
  currentCpu: number;
  nrCpus: number;
}

/** Parse and sanity-check block 0. `bytes` must hold at least DISK_DUMP_HEADER_SIZE bytes. */
export function parseDiskDumpHeader(bytes: Uint8Array): DiskDumpHeader {
  if (bytes.length < DISK_DUMP_HEADER_SIZE) {
    throw new VmcoreFormatError('TRUNCATED', 'kdump header is shorter than 464 bytes', {
      offset: 0,
      field: 'disk_dump_header',
    });
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signature = String.fromCharCode(...bytes.subarray(0, 8));
  if (signature !== KDUMP_SIGNATURE && signature !== DISKDUMP_SIGNATURE) {
    throw new VmcoreFormatError(
      'BAD_SIGNATURE',
      `bad kdump signature ${JSON.stringify(signature)}`,
      {
        offset: 0,
        field: 'signature',
      },
    );
  }
  const h: DiskDumpHeader = {
    signature,
    headerVersion: v.getInt32(8, true),
    utsname: parseUtsname(bytes.subarray(12, 12 + UTSNAME_SIZE)),
    timestamp: { sec: v.getBigInt64(408, true), usec: v.getBigInt64(416, true) },
    status: v.getUint32(424, true),
    blockSize: v.getInt32(428, true),
    subHdrSize: v.getInt32(432, true),
    bitmapBlocks: v.getUint32(436, true),
    maxMapnr: v.getUint32(440, true),
    totalRamBlocks: v.getUint32(444, true),
    deviceBlocks: v.getUint32(448, true),
    writtenBlocks: v.getUint32(452, true),
    currentCpu: v.getUint32(456, true),
    nrCpus: v.getInt32(460, true),
  };
  if (h.headerVersion < 1 || h.headerVersion > 6) {
    throw new VmcoreFormatError(
      'UNSUPPORTED_VERSION',
      `kdump header_version ${h.headerVersion} (expected 1..6)`,
      {
        offset: 8,
        field: 'header_version',
      },
    );
  }
  // block_size is the page size: a power of two between 4 KiB and 64 KiB on every architecture
  if (h.blockSize < 4096 || h.blockSize > 65536 || (h.blockSize & (h.blockSize - 1)) !== 0) {
    throw new VmcoreFormatError(
      'BAD_HEADER',
      `kdump block_size ${h.blockSize} is not a page size`,
      {
        offset: 428,
        field: 'block_size',
      },
    );
  }
  if (h.subHdrSize < 0 || h.subHdrSize > 1024) {
    throw new VmcoreFormatError('BAD_HEADER', `kdump sub_hdr_size ${h.subHdrSize} blocks`, {
      offset: 432,
      field: 'sub_hdr_size',
    });
  }
  if (h.bitmapBlocks === 0 || h.bitmapBlocks % 2 !== 0) {
    throw new VmcoreFormatError(
      'BAD_HEADER',
      `kdump bitmap_blocks ${h.bitmapBlocks} is not a positive even number`,
      {
        offset: 436,
        field: 'bitmap_blocks',
      },
    );
  }
  return h;
}
