import { decompressPage, type PageCompression } from '../compression/page-decompress.js';
import { PageNotPresentError, VmcoreFormatError } from '../errors.js';
import type { ByteSource } from '../source/byte-source.js';
import { Lru } from '../source/lru.js';
import { readExact } from '../source/read-exact.js';
import { Vmcoreinfo } from '../vmcoreinfo.js';
import { DumpBitmap } from './bitmap.js';
import {
  DISK_DUMP_HEADER_SIZE,
  DUMP_DH_COMPRESSED_INCOMPLETE,
  DUMP_DH_COMPRESSED_LZO,
  DUMP_DH_COMPRESSED_SNAPPY,
  DUMP_DH_COMPRESSED_ZLIB,
  DUMP_DH_COMPRESSED_ZSTD,
  parseDiskDumpHeader,
  type DiskDumpHeader,
} from './disk-dump-header.js';
import { LIMITS, type DumpFormat } from './dump-format.js';
import { parseNotes, type CpuRegisters } from './elf-notes.js';
import { parseKdumpSubHeader, subHeaderSizeFor, type KdumpSubHeader } from './kdump-sub-header.js';
import { PAGE_DESC_SIZE, parsePageDescriptor, type PageDescriptor } from './page-descriptor.js';
import { readAcrossPages } from './physical-reads.js';
import type { Utsname } from './utsname.js';

/** pfns beyond this are refused whatever max_mapnr says (2^40 pfns = 4 PiB of 4 KiB pages) */
const MAX_PFNS = 2 ** 40;

/**
 * A kdump-compressed ("diskdump") dump, makedumpfile's default output:
 *   block 0                     disk_dump_header
 *   block 1 .. sub_hdr_size     kdump_sub_header (+ VMCOREINFO, notes, eraseinfo somewhere in the file)
 *   then bitmap_blocks blocks   1st bitmap (pfns that exist), 2nd bitmap (pfns dumped), equal halves
 *   then page_desc[]            one per set bit of the 2nd bitmap, in pfn order
 *   then page data
 */
export class KdumpCompressedDump implements DumpFormat {
  readonly format = 'kdump-compressed' as const;
  readonly warnings: string[] = [];
  private readonly pages = new Lru<number, Uint8Array>(256);

  private constructor(
    private readonly source: ByteSource,
    readonly header: DiskDumpHeader,
    readonly subHeader: KdumpSubHeader,
    readonly maxMapnr: number,
    private readonly existing: DumpBitmap,
    private readonly dumped: DumpBitmap,
    private readonly descriptorsAt: number,
    readonly vmcoreinfo: Vmcoreinfo | null,
    readonly cpus: CpuRegisters[],
    readonly compression: PageCompression,
    /** the file ends before its last page (cut short after makedumpfile finished, e.g. a partial copy) */
    readonly truncated: boolean,
  ) {}

  /** INCOMPLETE flag set by makedumpfile, or the file is shorter than its own page table says */
  get incomplete(): boolean {
    return (this.header.status & DUMP_DH_COMPRESSED_INCOMPLETE) !== 0 || this.truncated;
  }
  get pageSize(): number {
    return this.header.blockSize;
  }
  get headerUtsname(): Utsname {
    return this.header.utsname;
  }
  get physBase(): bigint {
    return this.subHeader.physBase;
  }

  static async open(source: ByteSource): Promise<KdumpCompressedDump> {
    const header = parseDiskDumpHeader(
      await readExact(source, 0, DISK_DUMP_HEADER_SIZE, 'disk_dump_header'),
    );
    const bs = header.blockSize;
    const warnings: string[] = [];

    const subAt = bs;
    const subLen = subHeaderSizeFor(header.headerVersion);
    const sub = parseKdumpSubHeader(
      await readExact(source, subAt, subLen, 'kdump_sub_header'),
      header.headerVersion,
      subAt,
    );

    // geometry: all in blocks after the header and the sub header
    const bitmapAt = (1 + header.subHdrSize) * bs;
    const bitmapBytes = header.bitmapBlocks * bs; // both bitmaps
    const descriptorsAt = bitmapAt + bitmapBytes;
    if (descriptorsAt > source.size) {
      throw new VmcoreFormatError(
        'TRUNCATED',
        `kdump bitmaps (${header.bitmapBlocks} blocks at ${bitmapAt}) extend beyond the file (${source.size} bytes)`,
        { offset: bitmapAt, field: 'bitmap_blocks' },
      );
    }
    const half = bitmapBytes / 2;
    let maxMapnr =
      header.headerVersion >= 6 && sub.maxMapnr64
        ? Number(BigInt.asUintN(53, sub.maxMapnr64))
        : header.maxMapnr;
    if (
      header.headerVersion >= 6 &&
      sub.maxMapnr64 !== undefined &&
      sub.maxMapnr64 > BigInt(MAX_PFNS)
    ) {
      throw new VmcoreFormatError(
        'LIMIT_EXCEEDED',
        `max_mapnr_64 ${sub.maxMapnr64} is implausible`,
        {
          offset: subAt + 96,
          field: 'max_mapnr_64',
        },
      );
    }
    if (maxMapnr > half * 8) {
      warnings.push(`max_mapnr ${maxMapnr} exceeds the bitmap (${half * 8} bits); clamped`);
      maxMapnr = half * 8;
    }
    const existing = new DumpBitmap(source, bitmapAt, half);
    const dumped = new DumpBitmap(source, bitmapAt + half, half);

    // VMCOREINFO (v3+) and the ELF notes of /proc/vmcore (v4+)
    let vmcoreinfo: Vmcoreinfo | null = null;
    let cpus: CpuRegisters[] = [];
    if (sub.offsetNote !== undefined && sub.sizeNote !== undefined && sub.sizeNote > 0n) {
      const bytes = await readRegion(
        source,
        sub.offsetNote,
        sub.sizeNote,
        LIMITS.maxNoteBytes,
        'offset_note',
        warnings,
      );
      if (bytes) {
        const notes = parseNotes(bytes);
        if (notes.truncated)
          warnings.push('ELF notes are malformed after the first notes; kept what parsed');
        cpus = notes.prstatus;
        if (notes.vmcoreinfo) vmcoreinfo = Vmcoreinfo.fromBytes(notes.vmcoreinfo);
      }
    }
    if (
      sub.offsetVmcoreinfo !== undefined &&
      sub.sizeVmcoreinfo !== undefined &&
      sub.sizeVmcoreinfo > 0n
    ) {
      const bytes = await readRegion(
        source,
        sub.offsetVmcoreinfo,
        sub.sizeVmcoreinfo,
        LIMITS.maxVmcoreinfoBytes,
        'offset_vmcoreinfo',
        warnings,
      );
      if (bytes) vmcoreinfo = Vmcoreinfo.fromBytes(bytes);
    }

    const compression = await detectCompression(source, header, dumped, descriptorsAt);
    const truncated = await isTruncated(source, dumped, maxMapnr, descriptorsAt, warnings);
    const dump = new KdumpCompressedDump(
      source,
      header,
      sub,
      maxMapnr,
      existing,
      dumped,
      descriptorsAt,
      vmcoreinfo,
      cpus,
      compression,
      truncated,
    );
    dump.warnings.push(...warnings);
    return dump;
  }

  readPhysical(paddr: bigint, length: number): Promise<Uint8Array> {
    return readAcrossPages(paddr, length, this.pageSize, (pfn) => this.readPage(pfn));
  }

  /** Whole page `pfn`, decompressed; throws PageNotPresentError when it is not in the dump. */
  async readPage(pfn: number): Promise<Uint8Array> {
    const cached = this.pages.get(pfn);
    if (cached) return cached;
    const paddr = BigInt(pfn) * BigInt(this.pageSize);
    if (pfn < 0 || pfn >= this.maxMapnr) throw new PageNotPresentError('MISSING', paddr);
    if (!(await this.dumped.test(pfn))) {
      throw new PageNotPresentError(
        (await this.existing.test(pfn)) ? 'EXCLUDED' : 'MISSING',
        paddr,
      );
    }
    const desc = await this.descriptor(pfn);
    const page = await this.pageData(desc, paddr);
    this.pages.set(pfn, page);
    return page;
  }

  /** Page descriptor of a dumped pfn (its index is the rank of pfn in the 2nd bitmap). */
  async descriptor(pfn: number): Promise<PageDescriptor> {
    const index = await this.dumped.rank(pfn);
    const at = this.descriptorsAt + index * PAGE_DESC_SIZE;
    const paddr = BigInt(pfn) * BigInt(this.pageSize);
    if (at + PAGE_DESC_SIZE > this.source.size) {
      // an incomplete dump stops writing before all descriptors are out
      throw new PageNotPresentError('LOST', paddr);
    }
    return parsePageDescriptor(await readExact(this.source, at, PAGE_DESC_SIZE, 'page_desc'));
  }

  private async pageData(desc: PageDescriptor, paddr: bigint): Promise<Uint8Array> {
    // offset 0 = descriptor never filled in (INCOMPLETE dumps leave them zeroed)
    if (desc.offset === 0n) throw new PageNotPresentError('LOST', paddr);
    const offset = Number(desc.offset);
    if (desc.offset < 0n || desc.size === 0 || desc.size > this.pageSize) {
      throw new VmcoreFormatError(
        'BAD_PAGE',
        `page descriptor for 0x${paddr.toString(16)}: offset ${desc.offset}, size ${desc.size}`,
        { field: 'page_desc' },
      );
    }
    if (offset + desc.size > this.source.size) {
      if (this.incomplete) throw new PageNotPresentError('LOST', paddr);
      throw new VmcoreFormatError(
        'TRUNCATED',
        `page data for 0x${paddr.toString(16)} lies beyond the end of the file`,
        {
          offset,
          field: 'page_desc.offset',
        },
      );
    }
    const data = await readExact(this.source, offset, desc.size, 'page data');
    const kind = pageCompression(desc.flags);
    if (kind === 'none' && desc.size !== this.pageSize) {
      throw new VmcoreFormatError('BAD_PAGE', `raw page at ${offset} has ${desc.size} bytes`, {
        offset,
      });
    }
    try {
      return kind === 'none' ? data : decompressPage(kind, data, this.pageSize);
    } catch (e) {
      throw new VmcoreFormatError(
        'BAD_PAGE',
        `cannot decompress ${kind} page for 0x${paddr.toString(16)} at ${offset}: ${(e as Error).message}`,
        { offset, field: 'page data' },
      );
    }
  }
}

/** compression named by a page descriptor's (or header status') flags */
export function pageCompression(flags: number): PageCompression {
  if (flags & DUMP_DH_COMPRESSED_ZLIB) return 'zlib';
  if (flags & DUMP_DH_COMPRESSED_LZO) return 'lzo';
  if (flags & DUMP_DH_COMPRESSED_SNAPPY) return 'snappy';
  if (flags & DUMP_DH_COMPRESSED_ZSTD) return 'zstd';
  return 'none';
}

/**
 * makedumpfile records the compression it was asked for in the header status; older or other
 * writers may not, so then look at the first page descriptors.
 */
async function detectCompression(
  source: ByteSource,
  header: DiskDumpHeader,
  dumped: DumpBitmap,
  descriptorsAt: number,
): Promise<PageCompression> {
  const fromStatus = pageCompression(header.status);
  if (fromStatus !== 'none') return fromStatus;
  // descriptors of the pfns in the bitmap's first chunk are enough to tell
  const total = await dumped.rank(Math.min(dumped.bitCount, 64 * 1024 * 8));
  const n = Math.min(total, 64, Math.floor((source.size - descriptorsAt) / PAGE_DESC_SIZE));
  if (n <= 0) return 'none';
  const bytes = await source.read(descriptorsAt, n * PAGE_DESC_SIZE);
  for (let i = 0; i + PAGE_DESC_SIZE <= bytes.length; i += PAGE_DESC_SIZE) {
    const kind = pageCompression(parsePageDescriptor(bytes, i).flags);
    if (kind !== 'none') return kind;
  }
  return 'none';
}

/** 2nd bitmaps up to this size are counted at open to check the file is whole (128 GiB of RAM) */
const TRUNCATION_CHECK_MAX_BITMAP = 4 * 1024 * 1024;

/**
 * makedumpfile writes page data in pfn order, so the last descriptor's data ends the page area:
 * if the descriptor table or that data lies beyond the end of the file, the file was cut short.
 */
async function isTruncated(
  source: ByteSource,
  dumped: DumpBitmap,
  maxMapnr: number,
  descriptorsAt: number,
  warnings: string[],
): Promise<boolean> {
  if (dumped.byteLength > TRUNCATION_CHECK_MAX_BITMAP) {
    warnings.push('bitmap too large to check for truncation at open');
    return false;
  }
  const total = await dumped.rank(maxMapnr);
  if (total === 0) return false;
  const lastAt = descriptorsAt + (total - 1) * PAGE_DESC_SIZE;
  if (lastAt + PAGE_DESC_SIZE > source.size) {
    warnings.push(`the file ends inside the page descriptor table (${total} descriptors)`);
    return true;
  }
  const last = parsePageDescriptor(await readExact(source, lastAt, PAGE_DESC_SIZE, 'page_desc'));
  if (last.offset > 0n && last.offset + BigInt(last.size) > BigInt(source.size)) {
    warnings.push('the file ends before the data of its last page');
    return true;
  }
  return false;
}

async function readRegion(
  source: ByteSource,
  offset: bigint,
  size: bigint,
  cap: number,
  field: string,
  warnings: string[],
): Promise<Uint8Array | null> {
  if (offset <= 0n || offset + size > BigInt(source.size)) {
    warnings.push(`${field} (${offset}, ${size} bytes) lies outside the file; ignored`);
    return null;
  }
  if (size > BigInt(cap)) {
    warnings.push(`${field} size ${size} exceeds ${cap}; ignored`);
    return null;
  }
  return readExact(source, Number(offset), Number(size), field);
}
