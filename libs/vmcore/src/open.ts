import { openContainer, type ContainerKind } from './containers/detect.js';
import { VmcoreFormatError } from './errors.js';
import type { DumpFormat } from './formats/dump-format.js';
import { ElfDump, EM_X86_64 } from './formats/elf.js';
import { KdumpCompressedDump } from './formats/kdump-compressed.js';
import type { ByteSource } from './source/byte-source.js';
import { CachedSource, type BlockCacheOptions } from './source/block-cache.js';
import { FileSource } from './source/file-source.js';
import { Vmcore } from './vmcore.js';

export interface OpenVmcoreOptions {
  /**
   * What the caller already unwrapped: e.g. the CLI decompresses a plain .zst to a temp file and
   * passes `containerHint: 'zstd'` so that `vmcore.container` still says "zstd".
   */
  containerHint?: ContainerKind;
  /** block cache in front of the source (default 16 KiB × 512 blocks); false to disable */
  cache?: BlockCacheOptions | false;
}

/** Open a vmcore from any byte source: detect container and format, read the metadata. */
export async function openVmcore(
  source: ByteSource,
  opts: OpenVmcoreOptions = {},
): Promise<Vmcore> {
  // the container index is built on the raw source (record headers only); the cache sits on the
  // logical bytes the formats read
  const opened = await openContainer(source);
  const logical =
    opts.cache === false ? opened.source : new CachedSource(opened.source, opts.cache ?? {});
  const container = opts.containerHint ?? opened.container;
  const head = await logical.read(0, 8);
  let dump: DumpFormat;
  let machine: string;
  const sig = String.fromCharCode(...head);
  if (sig === 'KDUMP   ' || sig === 'DISKDUMP') {
    const kd = await KdumpCompressedDump.open(logical);
    machine = kd.header.utsname.machine;
    dump = kd;
  } else if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) {
    const elf = await ElfDump.open(logical);
    machine = elf.machine === EM_X86_64 ? 'x86_64' : `elf-machine-${elf.machine}`;
    dump = elf;
  } else {
    throw new VmcoreFormatError(
      'UNKNOWN_FORMAT',
      `${source.description} is neither a kdump-compressed nor an ELF vmcore`,
      {
        offset: 0,
      },
    );
  }
  const vmcore = new Vmcore(container, dump, source, logical, machine, opened.truncated);
  if (!dump.headerUtsname) await vmcore.loadUtsnameFromMemory();
  return vmcore;
}

/** Open a vmcore file by path. */
export async function openVmcoreFile(path: string, opts: OpenVmcoreOptions = {}): Promise<Vmcore> {
  const file = await FileSource.open(path);
  try {
    return await openVmcore(file, opts);
  } catch (e) {
    await file.close();
    throw e;
  }
}
