import type { PageCompression } from '../compression/page-decompress.js';
import type { Vmcoreinfo } from '../vmcoreinfo.js';
import type { CpuRegisters } from './elf-notes.js';
import type { Utsname } from './utsname.js';

export type DumpFormatKind = 'kdump-compressed' | 'elf';
export type { PageCompression };

/** What every dump format offers the layers above it (memory, symbols, dmesg). */
export interface DumpFormat {
  readonly format: DumpFormatKind;
  /** compression of the dumped pages ('none' for ELF and raw kdump-compressed) */
  readonly compression: PageCompression;
  /** the dump was cut short (kdump-compressed INCOMPLETE flag) */
  readonly incomplete: boolean;
  readonly pageSize: number;
  /** utsname recorded in the dump's own header (kdump-compressed only) */
  readonly headerUtsname: Utsname | null;
  readonly vmcoreinfo: Vmcoreinfo | null;
  /** NT_PRSTATUS per CPU */
  readonly cpus: CpuRegisters[];
  /** phys_base recorded by the format itself (kdump sub header), if any */
  readonly physBase: bigint | null;
  /** non-fatal problems met while opening (truncated notes, clamped counts, …) */
  readonly warnings: string[];
  /**
   * Read physical memory. Throws PageNotPresentError (EXCLUDED / MISSING / LOST) for the
   * first page of the range that is not in the dump — never fills with zeros.
   */
  readPhysical(paddr: bigint, length: number): Promise<Uint8Array>;
}

/** Sane caps for values taken from a dump: bounded memory whatever the input says. */
export const LIMITS = {
  /** VMCOREINFO text */
  maxVmcoreinfoBytes: 1024 * 1024,
  /** ELF notes (NT_PRSTATUS per CPU + VMCOREINFO): 8192 CPUs × ~0.5 KiB + slack */
  maxNoteBytes: 16 * 1024 * 1024,
  /** ELF program headers */
  maxProgramHeaders: 1_000_000,
  /** physical read in one call */
  maxReadLength: 64 * 1024 * 1024,
} as const;
