/**
 * Typed errors of @kdumpfleet/vmcore. Every error carries a machine-readable `code` and, where
 * one exists, the file offset or header field at fault, so callers can print one clear line.
 */

export type VmcoreFormatErrorCode =
  | 'UNKNOWN_FORMAT'
  | 'BAD_SIGNATURE'
  | 'UNSUPPORTED_VERSION'
  | 'UNSUPPORTED_ARCH'
  | 'BAD_HEADER'
  | 'TRUNCATED'
  | 'OUT_OF_BOUNDS'
  | 'LIMIT_EXCEEDED'
  | 'BAD_PAGE'
  | 'MISSING_VMCOREINFO'
  | 'BAD_KALLSYMS'
  | 'BAD_PRINTK';

export interface ErrorLocation {
  /** byte offset in the (logical) dump file, when the fault is at a known place */
  offset?: number;
  /** header field or VMCOREINFO key at fault */
  field?: string;
}

/** The dump's bytes do not follow the format they claim (or that we support). */
export class VmcoreFormatError extends Error {
  override readonly name = 'VmcoreFormatError';
  readonly offset: number | undefined;
  readonly field: string | undefined;
  constructor(
    readonly code: VmcoreFormatErrorCode,
    message: string,
    where: ErrorLocation = {},
  ) {
    super(message);
    this.offset = where.offset;
    this.field = where.field;
  }
}

export type VmcoreContainerErrorCode =
  'NEEDS_DECOMPRESSION' | 'BAD_FLATTENED' | 'BAD_SEEKABLE_ZSTD' | 'EMPTY';

/** The wrapper around the dump (flattened stream, zstd) cannot be read in place. */
export class VmcoreContainerError extends Error {
  override readonly name = 'VmcoreContainerError';
  readonly offset: number | undefined;
  constructor(
    readonly code: VmcoreContainerErrorCode,
    message: string,
    offset?: number,
  ) {
    super(message);
    this.offset = offset;
  }
}

/**
 * Why a physical page cannot be read:
 * - EXCLUDED: the page existed but the dump filter (makedumpfile -d, or an ELF p_filesz < p_memsz
 *   tail) left it out;
 * - MISSING: no such page in the dumped machine's memory map (a hole, or beyond max_mapnr);
 * - LOST: the page should be in the dump but the dump is incomplete (INCOMPLETE flag, descriptor
 *   never written).
 */
export type PageNotPresentCode = 'EXCLUDED' | 'MISSING' | 'LOST';

export class PageNotPresentError extends Error {
  override readonly name = 'PageNotPresentError';
  constructor(
    readonly code: PageNotPresentCode,
    readonly paddr: bigint,
  ) {
    super(`physical page at 0x${paddr.toString(16)} is ${code.toLowerCase()} in this dump`);
  }
}

export type AddressTranslationCode =
  'NOT_MAPPED' | 'BAD_PAGE_TABLE' | 'NO_PAGE_TABLES' | 'NON_CANONICAL';

/** A kernel virtual address could not be translated to a physical one. */
export class AddressTranslationError extends Error {
  override readonly name = 'AddressTranslationError';
  constructor(
    readonly code: AddressTranslationCode,
    readonly vaddr: bigint,
    detail: string,
  ) {
    super(`cannot translate 0x${vaddr.toString(16)}: ${detail}`);
  }
}
