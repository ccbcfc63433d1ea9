import { open } from 'node:fs/promises';

/** What the first bytes say a dump file is. */
export type DumpFormat = 'kdump-compressed' | 'flattened' | 'elf' | 'zstd';

export type DumpFileVerdict =
  | { ok: true; format: DumpFormat; size: number }
  | { ok: false; format: DumpFormat | null; size: number; reason: string };

const KDUMP_SIGNATURE = Buffer.from('KDUMP   ');
const FLAT_SIGNATURE = Buffer.from('makedumpfile');
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const ZSTD_MAGIC = 0xfd2fb528;
/** disk_dump_header.status flag: makedumpfile ran out of space, pages with offset 0 are lost. */
const DUMP_DH_COMPRESSED_INCOMPLETE = 0x8;

/**
 * Cheap structural checks that refuse empty, truncated and foreign files before anything is
 * uploaded, reading at most the header and (ELF) the program headers or (flattened) the last
 * 16 bytes. It does not decode pages: the collector's triage does that.
 */
export async function checkDumpFile(path: string): Promise<DumpFileVerdict> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size === 0) return { ok: false, format: null, size, reason: 'empty file (0 bytes)' };
    const head = Buffer.alloc(Math.min(size, 4096));
    await fh.read(head, 0, head.length, 0);
    if (head.subarray(0, 8).equals(KDUMP_SIGNATURE)) {
      if (head.length < 440)
        return { ok: false, format: 'kdump-compressed', size, reason: 'truncated header' };
      const status = head.readUInt32LE(424);
      const blockSize = head.readInt32LE(428);
      const subHdrSize = head.readInt32LE(432);
      const bitmapBlocks = head.readUInt32LE(436);
      if (blockSize <= 0 || subHdrSize < 0)
        return { ok: false, format: 'kdump-compressed', size, reason: 'garbage header fields' };
      const minimum = (1 + subHdrSize + bitmapBlocks) * blockSize;
      if (size < minimum)
        return {
          ok: false,
          format: 'kdump-compressed',
          size,
          reason: `truncated: ${size} bytes, the header and bitmaps alone need ${minimum}`,
        };
      if (status & DUMP_DH_COMPRESSED_INCOMPLETE)
        return {
          ok: false,
          format: 'kdump-compressed',
          size,
          reason: 'makedumpfile marked it incomplete (dump target ran out of space)',
        };
      return { ok: true, format: 'kdump-compressed', size };
    }
    if (head.subarray(0, 12).equals(FLAT_SIGNATURE)) {
      // The flattened stream ends with an end marker whose offset and size are both -1.
      const tail = Buffer.alloc(16);
      if (size < 4096 + 16) return { ok: false, format: 'flattened', size, reason: 'truncated' };
      await fh.read(tail, 0, 16, size - 16);
      if (!tail.equals(Buffer.alloc(16, 0xff)))
        return { ok: false, format: 'flattened', size, reason: 'truncated: no end marker' };
      return { ok: true, format: 'flattened', size };
    }
    if (head.subarray(0, 4).equals(ELF_MAGIC)) return checkElf(fh, head, size);
    if (head.length >= 4 && head.readUInt32LE(0) === ZSTD_MAGIC)
      return { ok: true, format: 'zstd', size };
    return { ok: false, format: null, size, reason: 'not a vmcore (unknown signature)' };
  } finally {
    await fh.close();
  }
}

async function checkElf(
  fh: Awaited<ReturnType<typeof open>>,
  head: Buffer,
  size: number,
): Promise<DumpFileVerdict> {
  if (head.length < 64 || head[4] !== 2 || head[5] !== 1)
    return { ok: false, format: 'elf', size, reason: 'not a little-endian ELF64 vmcore' };
  const phoff = Number(head.readBigUInt64LE(32));
  const phentsize = head.readUInt16LE(54);
  const phnum = head.readUInt16LE(56);
  if (phentsize < 56 || phnum === 0 || phoff + phnum * phentsize > size)
    return { ok: false, format: 'elf', size, reason: 'truncated or garbage program headers' };
  const table = Buffer.alloc(phnum * phentsize);
  await fh.read(table, 0, table.length, phoff);
  let end = 0;
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    const offset = Number(table.readBigUInt64LE(at + 8));
    const filesz = Number(table.readBigUInt64LE(at + 32));
    end = Math.max(end, offset + filesz);
  }
  if (end > size)
    return {
      ok: false,
      format: 'elf',
      size,
      reason: `truncated: ${size} bytes, segments end at ${end}`,
    };
  return { ok: true, format: 'elf', size };
}
