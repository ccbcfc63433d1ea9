import { AddressTranslationError, VmcoreFormatError } from '../errors.js';
import { Lru } from '../source/lru.js';
import type { PhysicalMemory } from './physical-memory.js';

/** __START_KERNEL_map: the kernel image mapping, phys = virt − START_KERNEL_map + phys_base */
export const START_KERNEL_MAP = 0xffffffff80000000n;
const DEFAULT_KERNEL_IMAGE_SIZE = 1n << 30n; // KERNEL_IMAGE_SIZE with KASLR (1 GiB)

const PAGE_SHIFT = 12n;
const PAGE_4K = 1n << PAGE_SHIFT;
const PTE_PRESENT = 1n;
const PTE_PSE = 1n << 7n; // "page size": a 1 GiB (PUD level) or 2 MiB (PMD level) leaf
/** physical address bits 12..51 of a page-table entry (bit 63 is NX, 52..62 software bits) */
const PTE_PFN_MASK = 0x000ffffffffff000n;

export interface X86_64MemoryConfig {
  /** phys_base: where the kernel image was loaded, relative to its link address */
  physBase: bigint;
  /** SYMBOL(init_top_pgt) (or swapper_pg_dir): the kernel's top-level page table, virtual */
  topPageTable: bigint | undefined;
  /** 5-level paging (LA57) in use */
  fiveLevel: boolean;
  /** AMD SME encryption bit to strip from page-table entries (NUMBER(sme_mask)) */
  smeMask?: bigint;
  /** NUMBER(KERNEL_IMAGE_SIZE) */
  kernelImageSize?: bigint;
}

/**
 * Kernel virtual memory of an x86_64 dump: the kernel image mapping by arithmetic, everything
 * else (direct map at page_offset_base, vmalloc, percpu…) by walking the kernel page tables from
 * init_top_pgt — 4 or 5 levels, with 1 GiB and 2 MiB leaves. The walk has fixed depth, so a
 * corrupt table that points at itself cannot loop; entries pointing outside physical memory or
 * at pages missing from the dump end in a typed error.
 */
export class X86_64KernelMemory {
  private readonly translations = new Lru<bigint, bigint>(8192);
  private readonly smeMask: bigint;
  private readonly imageEnd: bigint;

  constructor(
    private readonly phys: PhysicalMemory,
    private readonly config: X86_64MemoryConfig,
  ) {
    this.smeMask = config.smeMask ?? 0n;
    this.imageEnd = START_KERNEL_MAP + (config.kernelImageSize ?? DEFAULT_KERNEL_IMAGE_SIZE);
  }

  /** Translate a kernel virtual address to a physical one. */
  async translate(vaddr: bigint): Promise<bigint> {
    vaddr = BigInt.asUintN(64, vaddr);
    if (vaddr >= START_KERNEL_MAP && vaddr < this.imageEnd) {
      return BigInt.asUintN(64, vaddr - START_KERNEL_MAP + this.config.physBase);
    }
    const page = vaddr & ~(PAGE_4K - 1n);
    const hit = this.translations.get(page);
    if (hit !== undefined) return hit + (vaddr - page);
    const physPage = await this.walk(page);
    this.translations.set(page, physPage);
    return physPage + (vaddr - page);
  }

  private async walk(vaddr: bigint): Promise<bigint> {
    const levels = this.config.fiveLevel ? 5 : 4;
    const vaBits = this.config.fiveLevel ? 57n : 48n;
    // canonical: bits 63..vaBits-1 all equal
    const high = vaddr >> (vaBits - 1n);
    if (high !== 0n && high !== (1n << (65n - vaBits)) - 1n) {
      throw new AddressTranslationError(
        'NON_CANONICAL',
        vaddr,
        `not a canonical ${vaBits}-bit address`,
      );
    }
    if (this.config.topPageTable === undefined) {
      throw new AddressTranslationError(
        'NO_PAGE_TABLES',
        vaddr,
        'VMCOREINFO has no SYMBOL(init_top_pgt)',
      );
    }
    // init_top_pgt lives in the kernel image: translate it by arithmetic only. Going through
    // translate() would walk the page tables to find the page tables, and a corrupt
    // SYMBOL(init_top_pgt) outside the image would recurse without end.
    const top = BigInt.asUintN(64, this.config.topPageTable);
    if (top < START_KERNEL_MAP || top >= this.imageEnd) {
      throw new AddressTranslationError(
        'BAD_PAGE_TABLE',
        vaddr,
        `SYMBOL(init_top_pgt)=0x${top.toString(16)} is outside the kernel image mapping`,
      );
    }
    let table = BigInt.asUintN(64, top - START_KERNEL_MAP + this.config.physBase);
    for (let level = levels; level >= 1; level--) {
      // level 5: PGD (LA57) bits 48..56; 4: PGD/P4D 39..47; 3: PUD 30..38; 2: PMD 21..29; 1: PTE 12..20
      const shift = 12n + 9n * BigInt(level - 1);
      const index = (vaddr >> shift) & 0x1ffn;
      const entryBytes = await this.phys.readPhysical(table + index * 8n, 8);
      const entry =
        new DataView(entryBytes.buffer, entryBytes.byteOffset, 8).getBigUint64(0, true) &
        ~this.smeMask;
      if ((entry & PTE_PRESENT) === 0n) {
        throw new AddressTranslationError(
          'NOT_MAPPED',
          vaddr,
          `no present entry at page-table level ${level}`,
        );
      }
      const next = entry & PTE_PFN_MASK;
      if ((level === 3 || level === 2) && (entry & PTE_PSE) !== 0n) {
        const size = 1n << shift; // 1 GiB at the PUD, 2 MiB at the PMD
        return (next & ~(size - 1n)) + (vaddr & (size - 1n));
      }
      if (level === 1) return next;
      table = next;
    }
    throw new AddressTranslationError('BAD_PAGE_TABLE', vaddr, 'page walk did not end');
  }

  /** Read kernel virtual memory (page by page through the translation). */
  async readVirtual(vaddr: bigint, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(length) || length < 0 || length > 256 * 1024 * 1024) {
      throw new VmcoreFormatError('LIMIT_EXCEEDED', `virtual read of ${length} bytes refused`, {
        field: 'length',
      });
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const va = BigInt.asUintN(64, vaddr + BigInt(done));
      const inPage = Number(va & (PAGE_4K - 1n));
      let n = Math.min(4096 - inPage, length - done);
      const pa = await this.translate(va);
      // extend over following pages that are physically contiguous
      while (done + n < length) {
        const nextVa = BigInt.asUintN(64, va + BigInt(n));
        const nextPa = await this.translate(nextVa).catch(() => undefined);
        if (nextPa !== pa + BigInt(n)) break;
        n += Math.min(4096, length - done - n);
      }
      out.set(await this.phys.readPhysical(pa, n), done);
      done += n;
    }
    return out;
  }

  async readU64(vaddr: bigint): Promise<bigint> {
    const b = await this.readVirtual(vaddr, 8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }
  async readU32(vaddr: bigint): Promise<number> {
    const b = await this.readVirtual(vaddr, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }
  /** NUL-terminated string of at most `max` bytes (latin1-safe UTF-8 decode) */
  async readCString(vaddr: bigint, max = 4096): Promise<string> {
    const parts: Uint8Array[] = [];
    let total = 0;
    let va = vaddr;
    while (total < max) {
      const inPage = Number(va & (PAGE_4K - 1n));
      const n = Math.min(4096 - inPage, max - total);
      const chunk = await this.readVirtual(va, n);
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        parts.push(chunk.subarray(0, nul));
        break;
      }
      parts.push(chunk);
      total += n;
      va += BigInt(n);
    }
    const all = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return new TextDecoder('utf-8', { fatal: false }).decode(all);
  }
}
