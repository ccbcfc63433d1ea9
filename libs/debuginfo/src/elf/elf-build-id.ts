import { open, type FileHandle } from 'node:fs/promises';
import { DebuginfoError } from '../errors.js';

// ELF constants (elf.h). Only what finding the GNU build-id note needs.
const SHT_NOTE = 7;
const PT_NOTE = 4;
const NT_GNU_BUILD_ID = 3;
/** A note area larger than this is not a build-id note area: refuse rather than allocate. */
const MAX_NOTE_AREA = 1 << 20;
const MAX_HEADERS = 65_535;

interface ElfLayout {
  is64: boolean;
  le: boolean;
  shoff: number;
  shentsize: number;
  shnum: number;
  phoff: number;
  phentsize: number;
  phnum: number;
}

interface NoteArea {
  offset: number;
  size: number;
}

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  if (bytesRead !== length)
    throw new DebuginfoError('BAD_ELF', `ELF truncated at offset ${offset}`, 'file', offset);
  return buf;
}

function layoutOf(h: Buffer): ElfLayout {
  if (h.readUInt32BE(0) !== 0x7f454c46)
    throw new DebuginfoError('NOT_ELF', 'not an ELF file', 'e_ident', 0);
  const cls = h[4];
  const data = h[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2))
    throw new DebuginfoError('BAD_ELF', `bad ELF class/data ${cls}/${data}`, 'e_ident', 4);
  const is64 = cls === 2;
  const le = data === 1;
  const u16 = (o: number) => (le ? h.readUInt16LE(o) : h.readUInt16BE(o));
  const u32 = (o: number) => (le ? h.readUInt32LE(o) : h.readUInt32BE(o));
  const u64 = (o: number) => Number(le ? h.readBigUInt64LE(o) : h.readBigUInt64BE(o));
  return is64
    ? {
        is64,
        le,
        phoff: u64(32),
        shoff: u64(40),
        phentsize: u16(54),
        phnum: u16(56),
        shentsize: u16(58),
        shnum: u16(60),
      }
    : {
        is64,
        le,
        phoff: u32(28),
        shoff: u32(32),
        phentsize: u16(42),
        phnum: u16(44),
        shentsize: u16(46),
        shnum: u16(48),
      };
}

/** SHT_NOTE sections (present in vmlinux and in split .debug files), else PT_NOTE segments. */
async function noteAreas(fh: FileHandle, l: ElfLayout): Promise<NoteArea[]> {
  const areas: NoteArea[] = [];
  const u32 = (b: Buffer, o: number) => (l.le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const word = (b: Buffer, o: number) =>
    l.is64 ? Number(l.le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o);
  if (l.shoff > 0 && l.shnum > 0 && l.shnum <= MAX_HEADERS && l.shentsize >= (l.is64 ? 64 : 40)) {
    const table = await readAt(fh, l.shoff, l.shnum * l.shentsize);
    for (let i = 0; i < l.shnum; i++) {
      const s = i * l.shentsize;
      if (u32(table, s + 4) !== SHT_NOTE) continue;
      areas.push(
        l.is64
          ? { offset: word(table, s + 24), size: word(table, s + 32) }
          : { offset: u32(table, s + 16), size: u32(table, s + 20) },
      );
    }
  }
  if (areas.length === 0 && l.phoff > 0 && l.phnum > 0 && l.phnum <= MAX_HEADERS) {
    const table = await readAt(fh, l.phoff, l.phnum * l.phentsize);
    for (let i = 0; i < l.phnum; i++) {
      const p = i * l.phentsize;
      if (u32(table, p) !== PT_NOTE) continue;
      areas.push(
        l.is64
          ? { offset: word(table, p + 8), size: word(table, p + 32) }
          : { offset: u32(table, p + 4), size: u32(table, p + 16) },
      );
    }
  }
  return areas;
}

/** Walks `Elf_Nhdr {namesz, descsz, type}` records (name and desc padded to 4 bytes). */
export function buildIdFromNotes(notes: Buffer, littleEndian: boolean): string | null {
  const u32 = (o: number) => (littleEndian ? notes.readUInt32LE(o) : notes.readUInt32BE(o));
  const pad4 = (n: number) => (n + 3) & ~3;
  let o = 0;
  while (o + 12 <= notes.length) {
    const namesz = u32(o);
    const descsz = u32(o + 4);
    const type = u32(o + 8);
    const name = o + 12;
    const desc = name + pad4(namesz);
    if (desc + descsz > notes.length || namesz > notes.length) return null;
    const owner = notes.toString('latin1', name, name + namesz).replace(/\0+$/, '');
    if (owner === 'GNU' && type === NT_GNU_BUILD_ID && descsz > 0)
      return notes.toString('hex', desc, desc + descsz);
    o = desc + pad4(descsz);
  }
  return null;
}

/**
 * The GNU build-id (`.note.gnu.build-id`, NT_GNU_BUILD_ID) of an ELF file as lower-case hex,
 * or null when it has none. Reads only the ELF header, one header table and the note areas.
 */
export async function readElfBuildId(path: string): Promise<string | null> {
  const fh = await open(path, 'r');
  try {
    const layout = layoutOf(await readAt(fh, 0, 64));
    for (const area of await noteAreas(fh, layout)) {
      if (area.size === 0 || area.size > MAX_NOTE_AREA) continue;
      const id = buildIdFromNotes(await readAt(fh, area.offset, area.size), layout.le);
      if (id !== null) return id;
    }
    return null;
  } finally {
    await fh.close();
  }
}
