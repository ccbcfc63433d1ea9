export type { ByteSource } from './source/byte-source.js';
export { FileSource } from './source/file-source.js';
export { BufferSource } from './source/buffer-source.js';
export {
  RangedReadSource,
  DEFAULT_RANGED_READ_AHEAD,
  type RangedRead,
  type RangedReadSourceOptions,
} from './source/ranged-read-source.js';
export { CachedSource, type BlockCacheOptions } from './source/block-cache.js';
export type { ContainerKind } from './containers/detect.js';
export { openContainer } from './containers/detect.js';
export { FlattenedSource } from './containers/flattened.js';
export type { DumpFormat, DumpFormatKind, PageCompression } from './formats/dump-format.js';
export type { Utsname } from './formats/utsname.js';
export type { CpuRegisters } from './formats/elf-notes.js';
export { KdumpCompressedDump } from './formats/kdump-compressed.js';
export type { DiskDumpHeader } from './formats/disk-dump-header.js';
export type { KdumpSubHeader } from './formats/kdump-sub-header.js';
export { ElfDump } from './formats/elf.js';
export { Vmcoreinfo } from './vmcoreinfo.js';
export { X86_64KernelMemory } from './memory/x86_64.js';
export { Kallsyms, type SymbolInfo, type SymbolLookup } from './symbols/kallsyms.js';
export type { KernelLog } from './dmesg/kernel-memory.js';
export type { DmesgOptions } from './dmesg/printk-ringbuffer.js';
export {
  VmcoreFormatError,
  VmcoreContainerError,
  PageNotPresentError,
  AddressTranslationError,
  type VmcoreFormatErrorCode,
  type VmcoreContainerErrorCode,
  type PageNotPresentCode,
  type AddressTranslationCode,
} from './errors.js';
export { Vmcore } from './vmcore.js';
export { openVmcore, openVmcoreFile, type OpenVmcoreOptions } from './open.js';
export { readKernelLog } from './read-kernel-log.js';
