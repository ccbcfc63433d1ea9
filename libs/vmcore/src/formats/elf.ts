import { PageNotPresentError, VmcoreFormatError } from '../errors.js';
import type { ByteSource } from '../source/byte-source.js';
import { readExact } from '../source/read-exact.js';
import { Vmcoreinfo } from '../vmcoreinfo.js';
import { LIMITS, type DumpFormat } from './dump-format.js';
import { parseNotes, type CpuRegisters } from './elf-notes.js';

/**
 * ELF64 little-endian core file as /proc/vmcore presents it (and makedumpfile -E writes it):
 *   Elf64_Ehdr: e_ident[16] ("\x7fELF", class 2 = ELF64, data 1 = LE), e_type 4 (ET_CORE),
 *     e_machine (62 = x86_64), e_phoff @32, e_phentsize @54, e_phnum @56 (0xffff = PN_XNUM:
 *     the real count is in section header 0's sh_info)
 *   Elf64_Phdr (56 bytes): p_type @0, p_flags @4, p_offset @8, p_vaddr @16, p_paddr @24,
 *     p_filesz @32, p_memsz @40, p_align @48
 *   PT_NOTE: NT_PRSTATUS per CPU and VMCOREINFO; PT_LOAD: p_paddr..+p_memsz of physical memory,
 *     of which the first p_filesz bytes are at p_offset and the rest was excluded.
 */
const PT_LOAD = 1;
const PT_NOTE = 4;
const ET_CORE = 4;
const PN_XNUM = 0xffff;
export const EM_X86_64 = 62;

interface LoadSegment {
  paddr: bigint;
  vaddr: bigint;
  offset: number;
  filesz: bigint;
  memsz: bigint;
  /** bytes of p_filesz actually present in the file (less when the file was cut short) */
  available: bigint;
}

export class ElfDump implements DumpFormat {
  readonly format = 'elf' as const;
  readonly compression = 'none' as const;
  readonly headerUtsname = null;
  readonly physBase = null;

  private constructor(
    private readonly source: ByteSource,
    readonly machine: number,
    /** PT_LOAD segments sorted by p_paddr */
    readonly segments: LoadSegment[],
    readonly vmcoreinfo: Vmcoreinfo | null,
    readonly cpus: CpuRegisters[],
    readonly pageSize: number,
    readonly warnings: string[],
    /** segment data runs past the end of the file: the dump was cut short */
    readonly incomplete: boolean,
  ) {
    // maxEnd[i] = highest p_paddr + p_memsz among segments 0..i: bounds the backward search
    let m = 0n;
    this.maxEnd = segments.map((s) => (m = s.paddr + s.memsz > m ? s.paddr + s.memsz : m));
  }
  private readonly maxEnd: bigint[];

  static async open(source: ByteSource): Promise<ElfDump> {
    const eh = await readExact(source, 0, 64, 'Elf64_Ehdr');
    if (eh[0] !== 0x7f || eh[1] !== 0x45 || eh[2] !== 0x4c || eh[3] !== 0x46) {
      throw new VmcoreFormatError('BAD_SIGNATURE', 'not an ELF file', {
        offset: 0,
        field: 'e_ident',
      });
    }
    if (eh[4] !== 2 || eh[5] !== 1) {
      throw new VmcoreFormatError(
        'UNSUPPORTED_ARCH',
        'only ELF64 little-endian vmcores are supported',
        {
          offset: 4,
          field: 'e_ident',
        },
      );
    }
    const v = new DataView(eh.buffer, eh.byteOffset, 64);
    const type = v.getUint16(16, true);
    if (type !== ET_CORE) {
      throw new VmcoreFormatError('BAD_HEADER', `ELF e_type ${type} is not ET_CORE`, {
        offset: 16,
        field: 'e_type',
      });
    }
    const machine = v.getUint16(18, true);
    const phoff = v.getBigUint64(32, true);
    const phentsize = v.getUint16(54, true);
    let phnum = v.getUint16(56, true);
    if (phentsize !== 56) {
      throw new VmcoreFormatError('BAD_HEADER', `e_phentsize ${phentsize} (expected 56)`, {
        offset: 54,
        field: 'e_phentsize',
      });
    }
    if (phnum === PN_XNUM) {
      // extended numbering: section header 0's sh_info holds the count
      const shoff = v.getBigUint64(40, true);
      if (shoff <= 0n || shoff + 64n > BigInt(source.size)) {
        throw new VmcoreFormatError('BAD_HEADER', 'PN_XNUM without a section header', {
          offset: 40,
          field: 'e_shoff',
        });
      }
      const sh0 = await readExact(source, Number(shoff), 64, 'section header 0');
      phnum = new DataView(sh0.buffer, sh0.byteOffset, 64).getUint32(44, true);
    }
    if (phnum === 0 || phnum > LIMITS.maxProgramHeaders) {
      throw new VmcoreFormatError('LIMIT_EXCEEDED', `e_phnum ${phnum}`, {
        offset: 56,
        field: 'e_phnum',
      });
    }
    if (phoff + BigInt(phnum * 56) > BigInt(source.size)) {
      throw new VmcoreFormatError(
        'TRUNCATED',
        `program headers (${phnum} at ${phoff}) lie beyond the file`,
        {
          offset: Number(phoff),
          field: 'e_phoff',
        },
      );
    }
    const ph = await readExact(source, Number(phoff), phnum * 56, 'program headers');
    const pv = new DataView(ph.buffer, ph.byteOffset, ph.byteLength);
    const warnings: string[] = [];
    const segments: LoadSegment[] = [];
    const noteBlocks: Uint8Array[] = [];
    let truncated = false;
    let noteBytes = 0;
    for (let i = 0; i < phnum; i++) {
      const o = i * 56;
      const ptype = pv.getUint32(o, true);
      const offset = pv.getBigUint64(o + 8, true);
      const filesz = pv.getBigUint64(o + 32, true);
      if (ptype === PT_NOTE) {
        if (filesz === 0n) continue;
        if (
          offset + filesz > BigInt(source.size) ||
          noteBytes + Number(filesz) > LIMITS.maxNoteBytes
        ) {
          warnings.push(`PT_NOTE ${i} (${filesz} bytes at ${offset}) is out of bounds; ignored`);
          continue;
        }
        noteBlocks.push(await readExact(source, Number(offset), Number(filesz), 'PT_NOTE'));
        noteBytes += Number(filesz);
      } else if (ptype === PT_LOAD) {
        const seg: LoadSegment = {
          vaddr: pv.getBigUint64(o + 16, true),
          paddr: pv.getBigUint64(o + 24, true),
          offset: Number(offset),
          filesz,
          memsz: pv.getBigUint64(o + 40, true),
          available: filesz,
        };
        if (seg.filesz > seg.memsz) seg.memsz = seg.filesz;
        if (offset + filesz > BigInt(source.size)) {
          warnings.push(
            `PT_LOAD ${i} data runs past the end of the file; the rest reads as missing`,
          );
          seg.available = offset >= BigInt(source.size) ? 0n : BigInt(source.size) - offset;
          truncated = true;
        }
        segments.push(seg);
      }
    }
    segments.sort((a, b) => (a.paddr < b.paddr ? -1 : a.paddr > b.paddr ? 1 : 0));

    let vmcoreinfo: Vmcoreinfo | null = null;
    const cpus: CpuRegisters[] = [];
    for (const block of noteBlocks) {
      const notes = parseNotes(block);
      if (notes.truncated)
        warnings.push('a PT_NOTE is malformed after its first notes; kept what parsed');
      for (const c of notes.prstatus) cpus.push({ ...c, index: cpus.length });
      if (notes.vmcoreinfo && !vmcoreinfo) vmcoreinfo = Vmcoreinfo.fromBytes(notes.vmcoreinfo);
    }
    const pageSize = vmcoreinfo?.pageSize ?? 4096;
    if (pageSize < 4096 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
      throw new VmcoreFormatError('BAD_HEADER', `VMCOREINFO PAGESIZE ${pageSize}`, {
        field: 'PAGESIZE',
      });
    }
    return new ElfDump(source, machine, segments, vmcoreinfo, cpus, pageSize, warnings, truncated);
  }

  async readPhysical(paddr: bigint, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const addr = paddr + BigInt(done);
      const seg = this.segmentWithData(addr);
      if (!seg) {
        const covering = this.segmentCovering(addr);
        const pageAddr = addr - (addr % BigInt(this.pageSize));
        // in p_filesz but beyond the end of a cut-short file: lost; past p_filesz: excluded
        const code = !covering
          ? 'MISSING'
          : addr < covering.paddr + covering.filesz
            ? 'LOST'
            : 'EXCLUDED';
        throw new PageNotPresentError(code, pageAddr);
      }
      const within = addr - seg.paddr;
      const n = Math.min(length - done, Number(seg.available - within));
      const bytes = await readExact(this.source, seg.offset + Number(within), n, 'PT_LOAD data');
      out.set(bytes, done);
      done += n;
    }
    return out;
  }

  /** a segment whose file data holds `addr` (segments may repeat a range; any one with data will do) */
  private segmentWithData(addr: bigint): LoadSegment | undefined {
    for (let i = this.lastAtOrBelow(addr); i >= 0 && this.maxEnd[i]! > addr; i--) {
      const s = this.segments[i]!;
      if (addr < s.paddr + s.available) return s;
    }
    return undefined;
  }

  private segmentCovering(addr: bigint): LoadSegment | undefined {
    for (let i = this.lastAtOrBelow(addr); i >= 0 && this.maxEnd[i]! > addr; i--) {
      const s = this.segments[i]!;
      if (addr < s.paddr + s.memsz) return s;
    }
    return undefined;
  }

  /** index of the last segment with p_paddr <= addr, or -1 */
  private lastAtOrBelow(addr: bigint): number {
    let lo = 0;
    let hi = this.segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.paddr <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}
