import { deflateSync } from 'node:zlib';
import snappy from 'snappyjs';
import { compress as zstdCompress } from 'zstd-napi';
import type { PageCompression } from '../compression/page-decompress.js';

/**
 * Builds synthetic kdump-compressed dumps following makedumpfile's layout (diskdump_mod.h), for
 * tests: block 0 disk_dump_header, block 1.. kdump_sub_header (+ VMCOREINFO and notes inside
 * the sub header blocks, as makedumpfile places them), two bitmaps, page descriptors, page data.
 */
export interface SyntheticPage {
  pfn: number;
  data: Uint8Array;
  /** how to store it; 'lost' writes a zeroed descriptor (what an INCOMPLETE dump leaves) */
  store?: PageCompression | 'lost';
}

export interface KdumpBuildOptions {
  headerVersion?: number;
  blockSize?: number;
  maxMapnr: number;
  pages: SyntheticPage[];
  /** pfns that exist in memory but were not dumped (1st bitmap only) */
  excluded?: number[];
  incomplete?: boolean;
  /** extra header status bits (e.g. the compression the dump claims) */
  status?: number;
  vmcoreinfo?: string;
  notes?: Uint8Array;
  physBase?: bigint;
  nrCpus?: number;
  timestampSec?: bigint;
  utsname?: Partial<
    Record<'sysname' | 'nodename' | 'release' | 'version' | 'machine' | 'domainname', string>
  >;
  /** compressor for 'lzo' pages (tests get real liblzo output from python3-lzo) */
  lzo?: (page: Uint8Array) => Uint8Array;
}

const FLAG: Record<PageCompression, number> = {
  none: 0,
  zlib: 0x1,
  lzo: 0x2,
  snappy: 0x4,
  zstd: 0x20,
};

export function buildKdumpCompressed(o: KdumpBuildOptions): Uint8Array {
  const bs = o.blockSize ?? 4096;
  const version = o.headerVersion ?? 6;
  const info = new TextEncoder().encode(o.vmcoreinfo ?? '');
  const notes = o.notes ?? new Uint8Array(0);
  const subBytes = 104 + info.length + notes.length;
  const subHdrSize = Math.max(1, Math.ceil(subBytes / bs));
  const bitmapHalfBlocks = Math.max(1, Math.ceil(o.maxMapnr / 8 / bs));
  const bitmapAt = (1 + subHdrSize) * bs;
  const descAt = bitmapAt + 2 * bitmapHalfBlocks * bs;
  const pages = [...o.pages].sort((a, b) => a.pfn - b.pfn);

  const stored = pages.map((p) => encode(p, o.lzo));
  let dataAt = descAt + pages.length * 24;
  const total = dataAt + stored.reduce((a, s) => a + s.bytes.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);

  // disk_dump_header
  out.set(new TextEncoder().encode('KDUMP   '), 0);
  v.setInt32(8, version, true);
  const uts = {
    sysname: 'Linux',
    nodename: 'synthetic',
    release: '6.1.0-test',
    version: '#1 SMP test',
    machine: 'x86_64',
    domainname: '(none)',
    ...o.utsname,
  };
  (['sysname', 'nodename', 'release', 'version', 'machine', 'domainname'] as const).forEach(
    (f, i) => out.set(new TextEncoder().encode(uts[f]).subarray(0, 64), 12 + i * 65),
  );
  v.setBigInt64(408, o.timestampSec ?? 1_700_000_000n, true);
  v.setBigInt64(416, 123_456n, true);
  const compressionStatus = pages.reduce(
    (a, p) => a | (p.store && p.store !== 'lost' ? FLAG[p.store] : 0),
    0,
  );
  v.setUint32(424, (o.status ?? compressionStatus) | (o.incomplete ? 0x8 : 0), true);
  v.setInt32(428, bs, true);
  v.setInt32(432, subHdrSize, true);
  v.setUint32(436, 2 * bitmapHalfBlocks, true);
  v.setUint32(440, o.maxMapnr, true);
  v.setUint32(456, 0, true);
  v.setInt32(460, o.nrCpus ?? 1, true);

  // kdump_sub_header (fields by version)
  const s = bs;
  v.setBigUint64(s + 0, o.physBase ?? 0x1000000n, true);
  v.setInt32(s + 8, 31, true);
  if (version >= 2) {
    v.setInt32(s + 12, 0, true);
    v.setBigUint64(s + 16, 0n, true);
    v.setBigUint64(s + 24, BigInt(o.maxMapnr), true);
  }
  const infoAt = s + 104;
  const notesAt = infoAt + info.length;
  if (version >= 3) {
    out.set(info, infoAt);
    v.setBigInt64(s + 32, info.length ? BigInt(infoAt) : 0n, true);
    v.setBigUint64(s + 40, BigInt(info.length), true);
  }
  if (version >= 4) {
    out.set(notes, notesAt);
    v.setBigInt64(s + 48, notes.length ? BigInt(notesAt) : 0n, true);
    v.setBigUint64(s + 56, BigInt(notes.length), true);
  }
  if (version >= 5) {
    v.setBigInt64(s + 64, 0n, true);
    v.setBigUint64(s + 72, 0n, true);
  }
  if (version >= 6) {
    v.setBigUint64(s + 80, 0n, true);
    v.setBigUint64(s + 88, BigInt(o.maxMapnr), true);
    v.setBigUint64(s + 96, BigInt(o.maxMapnr), true);
  }

  // bitmaps
  const setBit = (base: number, pfn: number): void => {
    out[base + (pfn >> 3)]! |= 1 << (pfn & 7);
  };
  for (const p of pages) {
    setBit(bitmapAt, p.pfn);
    setBit(bitmapAt + bitmapHalfBlocks * bs, p.pfn);
  }
  for (const pfn of o.excluded ?? []) setBit(bitmapAt, pfn);

  // descriptors + data
  pages.forEach((p, i) => {
    const d = descAt + i * 24;
    const st = stored[i]!;
    if (p.store === 'lost') return; // zeroed descriptor, no data
    v.setBigInt64(d, BigInt(dataAt), true);
    v.setUint32(d + 8, st.bytes.length, true);
    v.setUint32(d + 12, st.flags, true);
    out.set(st.bytes, dataAt);
    dataAt += st.bytes.length;
  });
  return out.subarray(0, dataAt);
}

function encode(
  p: SyntheticPage,
  lzo?: (page: Uint8Array) => Uint8Array,
): { bytes: Uint8Array; flags: number } {
  switch (p.store ?? 'none') {
    case 'lost':
      return { bytes: new Uint8Array(0), flags: 0 };
    case 'none':
      return { bytes: p.data, flags: 0 };
    case 'zlib':
      return { bytes: deflateSync(p.data), flags: FLAG.zlib };
    case 'snappy':
      return { bytes: snappy.compress(p.data), flags: FLAG.snappy };
    case 'zstd':
      return { bytes: zstdCompress(p.data), flags: FLAG.zstd };
    case 'lzo':
      if (!lzo) throw new Error('an lzo compressor is needed for lzo pages');
      return { bytes: lzo(p.data), flags: FLAG.lzo };
  }
}

/** ELF note bytes (Elf64_Nhdr + 4-aligned name and desc). */
export function elfNote(name: string, type: number, desc: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name + '\0');
  const al = (n: number): number => (n + 3) & ~3;
  const out = new Uint8Array(12 + al(nameBytes.length) + al(desc.length));
  const v = new DataView(out.buffer);
  v.setUint32(0, nameBytes.length, true);
  v.setUint32(4, desc.length, true);
  v.setUint32(8, type, true);
  out.set(nameBytes, 12);
  out.set(desc, 12 + al(nameBytes.length));
  return out;
}

/** An NT_PRSTATUS desc (x86_64 elf_prstatus, 336 bytes) with pid and rip set. */
export function prstatus(pid: number, rip: bigint): Uint8Array {
  const d = new Uint8Array(336);
  const v = new DataView(d.buffer);
  v.setInt32(32, pid, true);
  v.setBigUint64(112 + 16 * 8, rip, true);
  return d;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A recognisable page: every byte derived from pfn and position. */
export function patternPage(pfn: number, size = 4096): Uint8Array {
  const p = new Uint8Array(size);
  for (let i = 0; i < size; i++) p[i] = (pfn * 31 + (i >> 4) * 7) & 0xff;
  return p;
}
