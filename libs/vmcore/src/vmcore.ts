import type { ContainerKind } from './containers/detect.js';
import { readKernelLogFrom } from './dmesg/read-kernel-log.js';
import type { KernelLog } from './dmesg/kernel-memory.js';
import type { DmesgOptions } from './dmesg/printk-ringbuffer.js';
import { VmcoreFormatError } from './errors.js';
import type { DumpFormat, DumpFormatKind, PageCompression } from './formats/dump-format.js';
import type { CpuRegisters } from './formats/elf-notes.js';
import { parseUtsname, UTSNAME_SIZE, type Utsname } from './formats/utsname.js';
import { X86_64KernelMemory } from './memory/x86_64.js';
import type { ByteSource } from './source/byte-source.js';
import { Kallsyms } from './symbols/kallsyms.js';
import type { Vmcoreinfo } from './vmcoreinfo.js';

/**
 * An opened vmcore: metadata read at open time, memory and symbols read on demand.
 * Addresses are bigint (kernel virtual addresses do not fit a double).
 */
export class Vmcore {
  private kallsymsPromise: Promise<Kallsyms> | undefined;
  private readonly memory: X86_64KernelMemory | undefined;
  utsname: Utsname;
  readonly warnings: string[];

  constructor(
    readonly container: ContainerKind,
    private readonly dump: DumpFormat,
    private readonly bottom: ByteSource,
    private readonly logical: ByteSource,
    machineHint: string,
    private readonly containerTruncated = false,
  ) {
    this.warnings = [...dump.warnings];
    if (containerTruncated) this.warnings.push('the container stream ended without its end marker');
    this.utsname = dump.headerUtsname ?? {
      sysname: 'Linux',
      nodename: '',
      release: dump.vmcoreinfo?.osRelease ?? '',
      version: '',
      machine: machineHint,
      domainname: '',
    };
    const info = dump.vmcoreinfo;
    if (machineHint === 'x86_64' || this.utsname.machine === 'x86_64') {
      this.memory = new X86_64KernelMemory(dump, {
        physBase: info?.physBase ?? dump.physBase ?? 0n,
        topPageTable: info?.symbol('init_top_pgt') ?? info?.symbol('swapper_pg_dir'),
        fiveLevel: info?.pgtableL5Enabled ?? false,
        smeMask: info?.number('sme_mask'),
        kernelImageSize: info?.number('KERNEL_IMAGE_SIZE'),
      });
    }
  }

  get format(): DumpFormatKind {
    return this.dump.format;
  }
  get compression(): PageCompression {
    return this.dump.compression;
  }
  /** INCOMPLETE flag, or the file / container stream was cut short */
  get incomplete(): boolean {
    return this.dump.incomplete || this.containerTruncated;
  }
  get pageSize(): number {
    return this.dump.pageSize;
  }
  get vmcoreinfo(): Vmcoreinfo | null {
    return this.dump.vmcoreinfo;
  }
  /** VMCOREINFO CRASHTIME (whole seconds) */
  get crashTime(): Date | null {
    return this.dump.vmcoreinfo?.crashTime ?? null;
  }
  /** GNU build-id of the crashed kernel (VMCOREINFO BUILD-ID) */
  get buildId(): string | null {
    return this.dump.vmcoreinfo?.buildId ?? null;
  }
  /** registers per CPU from NT_PRSTATUS notes */
  get cpus(): CpuRegisters[] {
    return this.dump.cpus;
  }
  /** the format's own view (header fields etc.) for callers that need more */
  get formatDetails(): DumpFormat {
    return this.dump;
  }
  /** bytes fetched from the underlying file/object so far */
  get bytesRead(): number {
    return this.bottom.bytesRead;
  }
  /** size of the dump itself (inside its container) */
  get size(): number {
    return this.logical.size;
  }

  /** Physical memory; PageNotPresentError (EXCLUDED / MISSING / LOST) for pages not dumped. */
  readPhysical(paddr: bigint, length: number): Promise<Uint8Array> {
    return this.dump.readPhysical(paddr, length);
  }

  private kernel(): X86_64KernelMemory {
    if (!this.memory) {
      throw new VmcoreFormatError(
        'UNSUPPORTED_ARCH',
        `virtual memory of ${this.utsname.machine || 'this'} dumps is not supported (x86_64 only)`,
        {
          field: 'machine',
        },
      );
    }
    return this.memory;
  }

  /** Kernel virtual memory (x86_64): image mapping or page-table walk. */
  readVirtual(vaddr: bigint, length: number): Promise<Uint8Array> {
    return this.kernel().readVirtual(vaddr, length);
  }
  translate(vaddr: bigint): Promise<bigint> {
    return this.kernel().translate(vaddr);
  }
  readU64(vaddr: bigint): Promise<bigint> {
    return this.kernel().readU64(vaddr);
  }
  readU32(vaddr: bigint): Promise<number> {
    return this.kernel().readU32(vaddr);
  }
  readCString(vaddr: bigint, max?: number): Promise<string> {
    return this.kernel().readCString(vaddr, max);
  }

  /** The kernel log, formatted like `makedumpfile --dump-dmesg`. */
  readKernelLog(opts?: DmesgOptions): Promise<KernelLog> {
    const info = this.requireVmcoreinfo();
    return readKernelLogFrom(this.kernel(), info, opts);
  }

  /** kallsyms decoded from memory (kernels ≥ 6.0 export its location in VMCOREINFO); cached. */
  kallsyms(): Promise<Kallsyms> {
    this.kallsymsPromise ??= Kallsyms.load(this.kernel(), this.requireVmcoreinfo());
    return this.kallsymsPromise;
  }

  /** Fill utsname from init_uts_ns when the format has no header copy (ELF). */
  async loadUtsnameFromMemory(): Promise<void> {
    const info = this.dump.vmcoreinfo;
    const sym = info?.symbol('init_uts_ns');
    if (!info || sym === undefined || !this.memory) return;
    try {
      const bytes = await this.memory.readVirtual(
        sym + BigInt(info.offset('uts_namespace.name') ?? 0),
        UTSNAME_SIZE,
      );
      const u = parseUtsname(bytes);
      if (u.sysname || u.release) this.utsname = u;
    } catch (e) {
      this.warnings.push(`utsname not readable from init_uts_ns: ${(e as Error).message}`);
    }
  }

  private requireVmcoreinfo(): Vmcoreinfo {
    const info = this.dump.vmcoreinfo;
    if (!info)
      throw new VmcoreFormatError('MISSING_VMCOREINFO', 'the dump carries no VMCOREINFO', {
        field: 'VMCOREINFO',
      });
    return info;
  }

  async close(): Promise<void> {
    await this.logical.close();
  }
}
