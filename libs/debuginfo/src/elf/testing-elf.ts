/**
 * Builds a minimal ELF64 little-endian file carrying notes, for tests: a Xen-style note first
 * (as in vmlinux's `.notes`), then the GNU build-id note. Not exported from the package.
 */
export function elfWithBuildId(
  buildIdHex: string | null,
  opts: { via?: 'section' | 'segment' } = {},
): Buffer {
  const note = (owner: string, type: number, desc: Buffer): Buffer => {
    const name = Buffer.from(`${owner}\0`, 'latin1');
    const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
    const h = Buffer.alloc(12);
    h.writeUInt32LE(name.length, 0);
    h.writeUInt32LE(desc.length, 4);
    h.writeUInt32LE(type, 8);
    return Buffer.concat([h, pad(name), pad(desc)]);
  };
  const notes = Buffer.concat([
    note('Xen', 6, Buffer.from('linux\0', 'latin1')),
    ...(buildIdHex === null ? [] : [note('GNU', 3, Buffer.from(buildIdHex, 'hex'))]),
  ]);
  const ehdr = Buffer.alloc(64);
  ehdr.writeUInt32BE(0x7f454c46, 0);
  ehdr[4] = 2; // ELFCLASS64
  ehdr[5] = 1; // little-endian
  ehdr[6] = 1;
  ehdr.writeUInt16LE(2, 16); // ET_EXEC
  ehdr.writeUInt16LE(62, 18); // x86_64
  const notesOff = 64;
  const tableOff = notesOff + notes.length + ((8 - (notes.length % 8)) % 8);
  const padNotes = Buffer.alloc(tableOff - notesOff - notes.length);
  let table: Buffer;
  if (opts.via === 'segment') {
    table = Buffer.alloc(56);
    table.writeUInt32LE(4, 0); // PT_NOTE
    table.writeBigUInt64LE(BigInt(notesOff), 8);
    table.writeBigUInt64LE(BigInt(notes.length), 32);
    ehdr.writeBigUInt64LE(BigInt(tableOff), 32);
    ehdr.writeUInt16LE(56, 54);
    ehdr.writeUInt16LE(1, 56);
  } else {
    table = Buffer.alloc(128); // [0] SHT_NULL, [1] SHT_NOTE
    table.writeUInt32LE(7, 64 + 4);
    table.writeBigUInt64LE(BigInt(notesOff), 64 + 24);
    table.writeBigUInt64LE(BigInt(notes.length), 64 + 32);
    ehdr.writeBigUInt64LE(BigInt(tableOff), 40);
    ehdr.writeUInt16LE(64, 58);
    ehdr.writeUInt16LE(2, 60);
  }
  return Buffer.concat([ehdr, notes, padNotes, table]);
}
