/**
 * ELF note parsing shared by ELF vmcores (PT_NOTE) and kdump-compressed dumps (which keep a
 * copy of /proc/vmcore's notes at kdump_sub_header.offset_note).
 *
 *   Elf64_Nhdr { u32 n_namesz; u32 n_descsz; u32 n_type; }  then name, desc (each 4-aligned)
 *
 * NT_PRSTATUS (1, name "CORE"): struct elf_prstatus per CPU; on x86_64 pr_pid is at 32 and
 * pr_reg (struct user_regs_struct, 27 × u64) at 112.
 * VMCOREINFO (type 0, name "VMCOREINFO"): the VMCOREINFO text.
 */
export const NT_PRSTATUS = 1;

/** x86_64 struct user_regs_struct, in order */
export const X86_64_PRSTATUS_REGS = [
  'r15',
  'r14',
  'r13',
  'r12',
  'rbp',
  'rbx',
  'r11',
  'r10',
  'r9',
  'r8',
  'rax',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'orig_rax',
  'rip',
  'cs',
  'eflags',
  'rsp',
  'ss',
  'fs_base',
  'gs_base',
  'ds',
  'es',
  'fs',
  'gs',
] as const;
const PRSTATUS_PID_OFFSET = 32;
const PRSTATUS_REG_OFFSET = 112;

export interface CpuRegisters {
  /** index of the NT_PRSTATUS note (the dumping kernel writes one per CPU, in CPU order) */
  index: number;
  /** pid of the task that was running (0 = idle) */
  pid: number;
  /** register name → value; empty when the note is too short (e.g. another architecture) */
  registers: Record<string, bigint>;
}

export interface ElfNote {
  name: string;
  type: number;
  desc: Uint8Array;
}

export interface ParsedNotes {
  notes: ElfNote[];
  prstatus: CpuRegisters[];
  vmcoreinfo: Uint8Array | null;
  /** true when parsing stopped at malformed bytes (the notes before that are kept) */
  truncated: boolean;
}

/** Parse a block of ELF notes (little-endian); stops at the first malformed note. */
export function parseNotes(bytes: Uint8Array, maxNotes = 65536): ParsedNotes {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notes: ElfNote[] = [];
  const prstatus: CpuRegisters[] = [];
  let vmcoreinfo: Uint8Array | null = null;
  let pos = 0;
  let truncated = false;
  while (pos + 12 <= bytes.length && notes.length < maxNotes) {
    const namesz = view.getUint32(pos, true);
    const descsz = view.getUint32(pos + 4, true);
    const type = view.getUint32(pos + 8, true);
    if (namesz === 0 && descsz === 0 && type === 0) break; // zero padding after the last note
    const nameAt = pos + 12;
    const descAt = nameAt + align4(namesz);
    const next = descAt + align4(descsz);
    if (descAt + descsz > bytes.length || namesz > 4096) {
      truncated = true;
      break;
    }
    const name = latin1(bytes.subarray(nameAt, nameAt + namesz)).replace(/\0+$/, '');
    const desc = bytes.subarray(descAt, descAt + descsz);
    notes.push({ name, type, desc });
    if (name === 'VMCOREINFO' && vmcoreinfo === null) vmcoreinfo = desc;
    else if (name === 'CORE' && type === NT_PRSTATUS)
      prstatus.push(parsePrstatus(desc, prstatus.length));
    pos = next;
  }
  return { notes, prstatus, vmcoreinfo, truncated };
}

function parsePrstatus(desc: Uint8Array, index: number): CpuRegisters {
  const view = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
  const pid = desc.length >= PRSTATUS_PID_OFFSET + 4 ? view.getInt32(PRSTATUS_PID_OFFSET, true) : 0;
  const registers: Record<string, bigint> = {};
  if (desc.length >= PRSTATUS_REG_OFFSET + X86_64_PRSTATUS_REGS.length * 8) {
    X86_64_PRSTATUS_REGS.forEach((reg, i) => {
      registers[reg] = view.getBigUint64(PRSTATUS_REG_OFFSET + i * 8, true);
    });
  }
  return { index, pid, registers };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
