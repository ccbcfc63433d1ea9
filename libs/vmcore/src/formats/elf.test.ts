import { describe, expect, it } from 'vitest';
import { BufferSource } from '../source/buffer-source.js';
import { concat, elfNote, patternPage, prstatus } from '../testing/kdump-builder.js';
import { ElfDump } from './elf.js';

interface Load {
  paddr: bigint;
  vaddr: bigint;
  data: Uint8Array;
  memsz: number;
}

/** an ELF64 LE ET_CORE file: Ehdr, Phdrs (PT_NOTE first), notes, segment data */
function buildElf(notes: Uint8Array, loads: Load[]): Uint8Array {
  const phnum = 1 + loads.length;
  const phoff = 64;
  let dataAt = phoff + phnum * 56;
  const notesAt = dataAt;
  dataAt += notes.length;
  const offsets = loads.map((l) => {
    const at = dataAt;
    dataAt += l.data.length;
    return at;
  });
  const out = new Uint8Array(dataAt);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  v.setUint16(16, 4, true); // ET_CORE
  v.setUint16(18, 62, true); // EM_X86_64
  v.setUint32(20, 1, true);
  v.setBigUint64(32, BigInt(phoff), true);
  v.setUint16(52, 64, true);
  v.setUint16(54, 56, true);
  v.setUint16(56, phnum, true);
  const ph = (
    i: number,
    type: number,
    offset: number,
    vaddr: bigint,
    paddr: bigint,
    filesz: number,
    memsz: number,
  ): void => {
    const o = phoff + i * 56;
    v.setUint32(o, type, true);
    v.setBigUint64(o + 8, BigInt(offset), true);
    v.setBigUint64(o + 16, vaddr, true);
    v.setBigUint64(o + 24, paddr, true);
    v.setBigUint64(o + 32, BigInt(filesz), true);
    v.setBigUint64(o + 40, BigInt(memsz), true);
  };
  ph(0, 4, notesAt, 0n, 0n, notes.length, notes.length);
  out.set(notes, notesAt);
  loads.forEach((l, i) => {
    ph(1 + i, 1, offsets[i]!, l.vaddr, l.paddr, l.data.length, l.memsz);
    out.set(l.data, offsets[i]!);
  });
  return out;
}

const INFO = 'OSRELEASE=6.12.0-test\nPAGESIZE=4096\nCRASHTIME=1700000000\n';

describe('ELF vmcore', () => {
  const notes = concat(
    elfNote('CORE', 1, prstatus(1, 0xffffffff81000000n)),
    elfNote('CORE', 1, prstatus(77, 0xffffffff81000020n)),
    elfNote('VMCOREINFO', 0, new TextEncoder().encode(INFO)),
  );
  const elf = buildElf(notes, [
    {
      paddr: 0x100000n,
      vaddr: 0xffff888000100000n,
      data: concat(patternPage(0x100), patternPage(0x101)),
      memsz: 4 * 4096,
    },
    { paddr: 0x200000n, vaddr: 0xffff888000200000n, data: patternPage(0x200), memsz: 4096 },
    // the same physical range seen through the kernel image mapping, without data
    { paddr: 0x100000n, vaddr: 0xffffffff81000000n, data: new Uint8Array(0), memsz: 4096 },
  ]);

  it('reads notes: NT_PRSTATUS per CPU and VMCOREINFO', async () => {
    const d = await ElfDump.open(new BufferSource(elf));
    expect(d.cpus.map((c) => c.pid)).toEqual([1, 77]);
    expect(d.cpus[1]!.registers.rip).toBe(0xffffffff81000020n);
    expect(d.vmcoreinfo?.osRelease).toBe('6.12.0-test');
    expect(d.pageSize).toBe(4096);
  });

  it('maps physical addresses through PT_LOAD; p_filesz < p_memsz tails are excluded, holes missing', async () => {
    const d = await ElfDump.open(new BufferSource(elf));
    expect(await d.readPhysical(0x101000n + 10n, 4)).toEqual(patternPage(0x101).subarray(10, 14));
    expect(await d.readPhysical(0x100ff0n, 32)).toEqual(
      concat(patternPage(0x100).subarray(4080), patternPage(0x101).subarray(0, 16)),
    );
    await expect(d.readPhysical(0x102000n, 8)).rejects.toMatchObject({
      code: 'EXCLUDED',
      paddr: 0x102000n,
    });
    await expect(d.readPhysical(0x180000n, 8)).rejects.toMatchObject({ code: 'MISSING' });
  });

  it('rejects non-core and hostile headers with typed errors', async () => {
    const bad = Uint8Array.from(elf);
    new DataView(bad.buffer).setUint16(54, 32, true);
    await expect(ElfDump.open(new BufferSource(bad))).rejects.toMatchObject({
      code: 'BAD_HEADER',
      field: 'e_phentsize',
    });
    const many = Uint8Array.from(elf);
    new DataView(many.buffer).setUint16(56, 0xfffe, true);
    await expect(ElfDump.open(new BufferSource(many))).rejects.toMatchObject({ code: 'TRUNCATED' });
    const elf32 = Uint8Array.from(elf);
    elf32[4] = 1;
    await expect(ElfDump.open(new BufferSource(elf32))).rejects.toMatchObject({
      code: 'UNSUPPORTED_ARCH',
    });
  });

  it('keeps what parsed when a note is malformed', async () => {
    const broken = buildElf(
      concat(
        elfNote('CORE', 1, prstatus(5, 1n)),
        Uint8Array.from([4, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0]),
      ),
      [],
    );
    const d = await ElfDump.open(new BufferSource(broken));
    expect(d.cpus.length).toBe(1);
    expect(d.warnings.join(' ')).toMatch(/malformed/);
  });
});

describe('ELF vmcore cut short', () => {
  it('reports incomplete, and pages beyond the end of the file as lost', async () => {
    const notes = elfNote('VMCOREINFO', 0, new TextEncoder().encode(INFO));
    const full = buildElf(notes, [
      {
        paddr: 0x100000n,
        vaddr: 0n,
        data: concat(patternPage(1), patternPage(2)),
        memsz: 3 * 4096,
      },
    ]);
    const d = await ElfDump.open(new BufferSource(full.subarray(0, full.length - 4096)));
    expect(d.incomplete).toBe(true);
    expect(await d.readPhysical(0x100000n, 4)).toEqual(patternPage(1).subarray(0, 4));
    await expect(d.readPhysical(0x101000n, 4)).rejects.toMatchObject({ code: 'LOST' });
    await expect(d.readPhysical(0x102000n, 4)).rejects.toMatchObject({ code: 'EXCLUDED' });
    const whole = await ElfDump.open(new BufferSource(full));
    expect(whole.incomplete).toBe(false);
  });
});
