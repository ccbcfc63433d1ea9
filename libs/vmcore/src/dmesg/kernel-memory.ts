/** What the dmesg and kallsyms readers need: reads of kernel virtual memory. */
export interface KernelMemory {
  readVirtual(vaddr: bigint, length: number): Promise<Uint8Array>;
}

export interface KernelLog {
  /** the log formatted like `makedumpfile --dump-dmesg` (every record ends with '\n') */
  text: string;
  /** number of lines of `text` */
  lines: number;
  /** records printed */
  records: number;
  /** which buffer the log came from */
  source: 'printk_ringbuffer' | 'log_buf' | 'log_buf_text';
  /** records or pages that could not be read (partial result) */
  warnings: string[];
}

/**
 * Read `length` bytes of kernel memory page by page, keeping going over pages that cannot be
 * read; returns the bytes and which 4 KiB pages were unreadable, so callers can drop exactly the
 * records that touch them instead of printing zeros.
 */
export async function readTolerant(
  mem: KernelMemory,
  vaddr: bigint,
  length: number,
): Promise<{
  bytes: Uint8Array;
  unreadable: (offset: number, len: number) => boolean;
  failures: number;
}> {
  const bytes = new Uint8Array(length);
  const bad = new Set<number>();
  let done = 0;
  // try the whole range first: the common case is that every page is present
  try {
    bytes.set(await mem.readVirtual(vaddr, length));
    return { bytes, unreadable: () => false, failures: 0 };
  } catch {
    // fall back to page-sized pieces
  }
  while (done < length) {
    const va = vaddr + BigInt(done);
    const n = Math.min(4096 - Number(va & 0xfffn), length - done);
    try {
      bytes.set(await mem.readVirtual(va, n), done);
    } catch {
      bad.add(Math.floor((done + Number(vaddr & 0xfffn)) / 4096));
    }
    done += n;
  }
  const base = Number(vaddr & 0xfffn);
  const unreadable = (offset: number, len: number): boolean => {
    if (bad.size === 0) return false;
    const first = Math.floor((base + offset) / 4096);
    const last = Math.floor((base + offset + Math.max(len, 1) - 1) / 4096);
    for (let p = first; p <= last; p++) if (bad.has(p)) return true;
    return false;
  };
  return { bytes, unreadable, failures: bad.size };
}
