/**
 * VMCOREINFO: the `KEY=value` text the crashed kernel leaves for dump tools (see the kernel's
 * kernel/vmcore_info.c, formerly crash_core.c, and arch/x86/kernel/machine_kexec_64.c).
 * Keys look like `OSRELEASE`, `SYMBOL(name)`, `SIZE(type)`, `OFFSET(type.member)`,
 * `LENGTH(name)`, `NUMBER(name)`; `CRASHTIME` is appended at crash time.
 */
export class Vmcoreinfo {
  private readonly entries = new Map<string, string>();

  constructor(readonly text: string) {
    for (const raw of text.split('\n')) {
      const line = raw.replace(/\0+$/, '').trimEnd();
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      this.entries.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }

  /** Parse a VMCOREINFO note's bytes (stops at the first NUL; non-UTF-8 bytes are replaced). */
  static fromBytes(bytes: Uint8Array): Vmcoreinfo {
    const nul = bytes.indexOf(0);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(
      nul >= 0 ? bytes.subarray(0, nul) : bytes,
    );
    return new Vmcoreinfo(text);
  }

  get(key: string): string | undefined {
    return this.entries.get(key);
  }
  keys(): string[] {
    return [...this.entries.keys()];
  }
  /** number of KEY=value entries */
  get entryCount(): number {
    return this.entries.size;
  }

  get osRelease(): string | undefined {
    return this.get('OSRELEASE');
  }
  /** GNU build-id of vmlinux, lower-case hex (VMCOREINFO `BUILD-ID`, kernels ≥ 5.9) */
  get buildId(): string | undefined {
    const v = this.get('BUILD-ID');
    return v && /^[0-9a-fA-F]+$/.test(v) ? v.toLowerCase() : undefined;
  }
  get pageSize(): number | undefined {
    return this.decimal('PAGESIZE');
  }
  /** KASLR displacement of the kernel image (hex) */
  get kernelOffset(): bigint | undefined {
    return hex(this.get('KERNELOFFSET'));
  }
  /** unix seconds at crash (CRASHTIME) */
  get crashTime(): Date | undefined {
    const v = this.get('CRASHTIME');
    if (!v || !/^\d{1,12}$/.test(v)) return undefined;
    return new Date(Number(v) * 1000);
  }
  /** x86_64 phys_base (NUMBER(phys_base)); may be printed negative, returned as u64 */
  get physBase(): bigint | undefined {
    return this.number('phys_base');
  }
  get pgtableL5Enabled(): boolean | undefined {
    const v = this.number('pgtable_l5_enabled');
    return v === undefined ? undefined : v !== 0n;
  }

  /** SYMBOL(name): a kernel virtual address */
  symbol(name: string): bigint | undefined {
    return hex(this.get(`SYMBOL(${name})`));
  }
  /** SIZE(type) in bytes */
  size(type: string): number | undefined {
    return this.decimal(`SIZE(${type})`);
  }
  /** OFFSET(type.member) in bytes */
  offset(typeMember: string): number | undefined {
    return this.decimal(`OFFSET(${typeMember})`);
  }
  /** LENGTH(name): array length */
  length(name: string): number | undefined {
    return this.decimal(`LENGTH(${name})`);
  }
  /**
   * NUMBER(name) as a u64: decimal, possibly negative (two's complement) or 0x-prefixed hex.
   */
  number(name: string): bigint | undefined {
    const v = this.get(`NUMBER(${name})`);
    if (v === undefined) return undefined;
    try {
      if (/^-?\d+$/.test(v)) return BigInt.asUintN(64, BigInt(v));
      if (/^0x[0-9a-fA-F]+$/.test(v)) return BigInt.asUintN(64, BigInt(v));
    } catch {
      return undefined;
    }
    return undefined;
  }

  private decimal(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined || !/^-?\d{1,15}$/.test(v)) return undefined;
    return Number(v);
  }
}

function hex(v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  const s = v.startsWith('0x') ? v.slice(2) : v;
  if (!/^[0-9a-fA-F]{1,16}$/.test(s)) return undefined;
  return BigInt(`0x${s}`);
}
