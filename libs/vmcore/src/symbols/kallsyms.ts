import { VmcoreFormatError } from '../errors.js';
import type { KernelMemory } from '../dmesg/kernel-memory.js';
import type { Vmcoreinfo } from '../vmcoreinfo.js';

/**
 * The kernel's own symbol table (kernel/kallsyms.c, scripts/kallsyms.c), found through the
 * VMCOREINFO entries kernels ≥ 6.0 export (SYMBOL(kallsyms_names), kallsyms_num_syms,
 * kallsyms_token_table, kallsyms_token_index, kallsyms_offsets, kallsyms_relative_base):
 *
 * - kallsyms_names: per symbol a length (1 byte; 2 bytes when the first has bit 7 set,
 *   little-endian base-128, since 6.1) then that many token indexes; the expanded string's
 *   first character is the symbol type (T, t, D, …).
 * - kallsyms_token_table: 256 NUL-terminated tokens; kallsyms_token_index: u16 offsets into it.
 * - kallsyms_offsets: one s32 per symbol. How it becomes an address changed over time (see
 *   drgn commit 744f36ec and makedumpfile kallsyms.c): absolute-percpu (≥ 0: absolute, < 0:
 *   relative_base − 1 − value; x86_64 SMP before 6.15), relative (relative_base + value), or
 *   place-relative (&kallsyms_offsets[i] + value, 6.15+). The one that maps `_stext` to
 *   VMCOREINFO's SYMBOL(_stext) is used. relative_base is read from memory, so it is already
 *   KASLR-relocated.
 */
export interface SymbolInfo {
  name: string;
  /** kallsyms type letter: T/t text, D/d data, B/b bss, R/r rodata, A/a absolute, … */
  type: string;
  address: bigint;
}

export interface SymbolLookup extends SymbolInfo {
  /** addr − symbol address */
  offset: bigint;
  /** distance to the next higher symbol address (0 when unknown: the last symbol) */
  size: bigint;
}

const MAX_SYMS = 4_000_000;
const NAMES_CHUNK = 64 * 1024;
const MAX_NAMES_BYTES = 256 * 1024 * 1024;

export class Kallsyms {
  private readonly byName = new Map<string, number>();
  /** symbol indexes sorted by address (stable: aliases keep kallsyms order) */
  private readonly sorted: Uint32Array;

  private constructor(
    private readonly names: string[],
    private readonly types: string[],
    private readonly addresses: BigUint64Array,
  ) {
    for (let i = 0; i < names.length; i++) {
      if (!this.byName.has(names[i]!)) this.byName.set(names[i]!, i);
    }
    const order = Array.from({ length: names.length }, (_, i) => i);
    let inOrder = true;
    for (let i = 1; i < addresses.length && inOrder; i++)
      if (addresses[i]! < addresses[i - 1]!) inOrder = false;
    if (!inOrder)
      order.sort((a, b) =>
        addresses[a]! < addresses[b]! ? -1 : addresses[a]! > addresses[b]! ? 1 : a - b,
      );
    this.sorted = Uint32Array.from(order);
  }

  get count(): number {
    return this.names.length;
  }

  /** Address of the first symbol called `name`. */
  address(name: string): bigint | undefined {
    const i = this.byName.get(name);
    return i === undefined ? undefined : this.addresses[i];
  }

  /** The symbol containing `addr` (the kernel's choice among aliases: the first in kallsyms order). */
  lookup(addr: bigint): SymbolLookup | undefined {
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.addresses[s[mid]!]! <= addr) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return undefined;
    let pos = lo - 1;
    const symAddr = this.addresses[s[pos]!]!;
    while (pos > 0 && this.addresses[s[pos - 1]!]! === symAddr) pos--; // first alias
    let next = lo;
    while (next < s.length && this.addresses[s[next]!]! === symAddr) next++;
    const size = next < s.length ? this.addresses[s[next]!]! - symAddr : 0n;
    if (size === 0n && addr !== symAddr) return undefined; // beyond the last symbol
    const i = s[pos]!;
    return {
      name: this.names[i]!,
      type: this.types[i]!,
      address: symAddr,
      offset: addr - symAddr,
      size,
    };
  }

  /** Every symbol, in kallsyms order. */
  *symbols(): IterableIterator<SymbolInfo> {
    for (let i = 0; i < this.names.length; i++) {
      yield { name: this.names[i]!, type: this.types[i]!, address: this.addresses[i]! };
    }
  }

  static async load(mem: KernelMemory, info: Vmcoreinfo): Promise<Kallsyms> {
    const sym = (name: string): bigint => {
      const v = info.symbol(name);
      if (v === undefined) {
        throw new VmcoreFormatError(
          'MISSING_VMCOREINFO',
          `VMCOREINFO lacks SYMBOL(${name}) (kallsyms needs Linux ≥ 6.0)`,
          {
            field: `SYMBOL(${name})`,
          },
        );
      }
      return v;
    };
    const namesAddr = sym('kallsyms_names');
    const numSymsAddr = sym('kallsyms_num_syms');
    const tokenTableAddr = sym('kallsyms_token_table');
    const tokenIndexAddr = sym('kallsyms_token_index');
    const offsetsAddr = sym('kallsyms_offsets');
    const relativeBaseAddr = info.symbol('kallsyms_relative_base');

    const num = dv(await mem.readVirtual(numSymsAddr, 4)).getUint32(0, true);
    if (num === 0 || num > MAX_SYMS) {
      throw new VmcoreFormatError('BAD_KALLSYMS', `kallsyms_num_syms ${num} out of range`, {
        field: 'kallsyms_num_syms',
      });
    }

    // tokens
    const tokenIndex = dv(await mem.readVirtual(tokenIndexAddr, 512));
    let maxTok = 0;
    for (let i = 0; i < 256; i++) maxTok = Math.max(maxTok, tokenIndex.getUint16(i * 2, true));
    const tokenBytes = await mem.readVirtual(tokenTableAddr, maxTok + 256);
    const tokens: string[] = [];
    for (let i = 0; i < 256; i++) {
      const start = tokenIndex.getUint16(i * 2, true);
      let end = start;
      while (end < tokenBytes.length && tokenBytes[end] !== 0) end++;
      tokens.push(String.fromCharCode(...tokenBytes.subarray(start, end)));
    }

    // names, read in chunks as the decoder advances (an entry is at most 2 + 0x3fff bytes)
    const names: string[] = new Array<string>(num);
    const types: string[] = new Array<string>(num);
    let buf: Uint8Array = new Uint8Array(0);
    let bufStart = 0; // offset of buf[0] within kallsyms_names
    let pos = 0;
    for (let i = 0; i < num; i++) {
      if (pos + 2 + 0x3fff > bufStart + buf.length) {
        const keep = buf.subarray(pos - bufStart);
        const more = await mem.readVirtual(namesAddr + BigInt(bufStart + buf.length), NAMES_CHUNK);
        if (bufStart + buf.length + more.length > MAX_NAMES_BYTES) {
          throw new VmcoreFormatError('BAD_KALLSYMS', 'kallsyms_names is implausibly large', {
            field: 'kallsyms_names',
          });
        }
        const next = new Uint8Array(keep.length + more.length);
        next.set(keep, 0);
        next.set(more, keep.length);
        buf = next;
        bufStart = pos;
      }
      let p = pos - bufStart;
      let len = buf[p++]!;
      if (len & 0x80) len = (len & 0x7f) | (buf[p++]! << 7);
      let s = '';
      for (let k = 0; k < len; k++) s += tokens[buf[p++]!]!;
      types[i] = s.charAt(0) || '?';
      names[i] = s.slice(1);
      pos = bufStart + p;
    }

    // addresses
    const offsetBytes = await mem.readVirtual(offsetsAddr, num * 4);
    const offsets = dv(offsetBytes);
    const relativeBase =
      relativeBaseAddr !== undefined
        ? dv(await mem.readVirtual(relativeBaseAddr, 8)).getBigUint64(0, true)
        : 0n;
    const methods: ((i: number) => bigint)[] = [
      (i) => {
        const v = offsets.getInt32(i * 4, true);
        return v >= 0 ? BigInt(v) : BigInt.asUintN(64, relativeBase - 1n - BigInt(v));
      },
      (i) => BigInt.asUintN(64, relativeBase + BigInt(offsets.getInt32(i * 4, true))),
      (i) =>
        BigInt.asUintN(64, offsetsAddr + BigInt(i * 4) + BigInt(offsets.getInt32(i * 4, true))),
    ];
    const stext = info.symbol('_stext');
    const stextIndex = names.indexOf('_stext');
    let method = methods[1]!;
    if (stext !== undefined && stextIndex >= 0) {
      const found = methods.find((m) => m(stextIndex) === stext);
      if (!found) {
        throw new VmcoreFormatError(
          'BAD_KALLSYMS',
          'no kallsyms address encoding maps _stext to SYMBOL(_stext)',
          {
            field: 'kallsyms_offsets',
          },
        );
      }
      method = found;
    }
    const addresses = new BigUint64Array(num);
    for (let i = 0; i < num; i++) addresses[i] = method(i);
    return new Kallsyms(names, types, addresses);
  }
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
