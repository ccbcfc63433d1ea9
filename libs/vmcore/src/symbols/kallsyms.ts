import { VmcoreFormatError } from '../errors.js';
import type { KernelMemory } from '../dmesg/kernel-memory.js';
import { Lru } from '../source/lru.js';
import type { Vmcoreinfo } from '../vmcoreinfo.js';

/**
 * The kernel's own symbol table (kernel/kallsyms.c, scripts/kallsyms.c), found through the
 * VMCOREINFO entries kernels ≥ 6.0 export (SYMBOL(kallsyms_names), kallsyms_num_syms,
 * kallsyms_token_table, kallsyms_token_index, kallsyms_offsets, kallsyms_relative_base):
 *
 * - kallsyms_names: per symbol a length (1 byte; 2 bytes when the first has bit 7 set,
 *   little-endian base-128, since 6.1) then that many token indexes; the expanded string's
 *   first character is the symbol type (T, t, D, …).
 * - kallsyms_markers: u32 offset into kallsyms_names of every 256th symbol. Not in VMCOREINFO,
 *   but scripts/kallsyms.c emits it right before kallsyms_token_table (8-byte aligned), so it is
 *   found there and validated against a decode of the first 256 names; without it every name
 *   is decoded up front.
 * - kallsyms_token_table: 256 NUL-terminated tokens; kallsyms_token_index: u16 offsets into it.
 * - kallsyms_offsets: one s32 per symbol, in address order. How it becomes an address changed
 *   over time (drgn commit 744f36ec, makedumpfile kallsyms.c): absolute-percpu (≥ 0: absolute,
 *   < 0: relative_base − 1 − value; x86_64 SMP kernels before 6.15), relative (relative_base +
 *   value), or place-relative (&kallsyms_offsets[i] + value, 6.15+). The encoding that maps a
 *   symbol named `_stext` to VMCOREINFO's SYMBOL(_stext) is used. relative_base is read from
 *   memory, so it is already KASLR-relocated.
 *
 * Lookups read only what they need: an address lookup binary-searches kallsyms_offsets page by
 * page and decodes one 256-symbol block of names. A lookup by name decodes every name once.
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
const MAX_NAMES_BYTES = 64 * 1024 * 1024;
const BLOCK = 256; // symbols per kallsyms_markers entry
const OFFSETS_PAGE = 1024; // s32 entries read at once

/** shared expansion buffer for decodeBlock (synchronous use only) */
const DECODE_SCRATCH = new Uint8Array(64 * 1024);

type AddressEncoding = 'absolute-percpu' | 'relative' | 'place-relative';

interface NameBlock {
  names: string[];
  types: string[];
}

export class Kallsyms {
  private readonly offsetPages = new Lru<number, DataView>(64);
  private readonly blocks: Lru<number, NameBlock>;
  private readonly byName = new Map<string, number | undefined>();
  private encoding: AddressEncoding = 'relative';

  private constructor(
    private readonly mem: KernelMemory,
    readonly count: number,
    private readonly tokens: Uint8Array[],
    private readonly namesAddr: bigint,
    private readonly offsetsAddr: bigint,
    private readonly relativeBase: bigint,
    /** byte offset of each 256-symbol block in kallsyms_names, plus the end; null = unknown */
    private readonly markers: number[] | null,
    fullyDecoded: NameBlock[] | null,
  ) {
    const nBlocks = Math.ceil(count / BLOCK);
    this.blocks = new Lru(fullyDecoded ? nBlocks + 1 : 256);
    fullyDecoded?.forEach((b, i) => this.blocks.set(i, b));
  }

  /** how kallsyms_offsets encodes addresses in this kernel */
  get addressEncoding(): AddressEncoding {
    return this.encoding;
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

    const count = dv(await mem.readVirtual(numSymsAddr, 4)).getUint32(0, true);
    if (count === 0 || count > MAX_SYMS) {
      throw new VmcoreFormatError('BAD_KALLSYMS', `kallsyms_num_syms ${count} out of range`, {
        field: 'kallsyms_num_syms',
      });
    }
    const tokenIndex = dv(await mem.readVirtual(tokenIndexAddr, 512));
    let maxTok = 0;
    for (let i = 0; i < 256; i++) maxTok = Math.max(maxTok, tokenIndex.getUint16(i * 2, true));
    const tokenBytes = await mem.readVirtual(tokenTableAddr, maxTok + 256);
    const tokens: Uint8Array[] = [];
    for (let i = 0; i < 256; i++) {
      const start = tokenIndex.getUint16(i * 2, true);
      let end = start;
      while (end < tokenBytes.length && tokenBytes[end] !== 0) end++;
      tokens.push(tokenBytes.slice(start, end));
    }
    const relativeBase =
      relativeBaseAddr !== undefined
        ? dv(await mem.readVirtual(relativeBaseAddr, 8)).getBigUint64(0, true)
        : 0n;

    const markers = await findMarkers(mem, tokens, count, namesAddr, tokenTableAddr);
    let decoded: NameBlock[] | null = null;
    // names precede the token table in every layout scripts/kallsyms.c has used: a bound
    const namesLimit =
      tokenTableAddr > namesAddr && tokenTableAddr - namesAddr < BigInt(MAX_NAMES_BYTES)
        ? Number(tokenTableAddr - namesAddr)
        : MAX_NAMES_BYTES;
    if (!markers) decoded = await decodeAllNames(mem, tokens, count, namesAddr, namesLimit);
    const ks = new Kallsyms(
      mem,
      count,
      tokens,
      namesAddr,
      offsetsAddr,
      relativeBase,
      markers,
      decoded,
    );
    await ks.chooseEncoding(info.symbol('_stext'));
    return ks;
  }

  /** Name and type of symbol `i` (kallsyms order). */
  async symbolAt(i: number): Promise<SymbolInfo> {
    const block = await this.block(Math.floor(i / BLOCK));
    const j = i % BLOCK;
    return {
      name: block.names[j] ?? '',
      type: block.types[j] ?? '?',
      address: await this.addressAt(i),
    };
  }

  /** Address of symbol `i` (kallsyms order = address order). */
  async addressAt(i: number): Promise<bigint> {
    const page = Math.floor(i / OFFSETS_PAGE);
    let view = this.offsetPages.get(page);
    if (!view) {
      const n = Math.min(OFFSETS_PAGE, this.count - page * OFFSETS_PAGE);
      view = dv(
        await this.mem.readVirtual(this.offsetsAddr + BigInt(page * OFFSETS_PAGE * 4), n * 4),
      );
      this.offsetPages.set(page, view);
    }
    const v = view.getInt32((i % OFFSETS_PAGE) * 4, true);
    switch (this.encoding) {
      case 'absolute-percpu':
        return v >= 0 ? BigInt(v) : BigInt.asUintN(64, this.relativeBase - 1n - BigInt(v));
      case 'relative':
        return BigInt.asUintN(64, this.relativeBase + BigInt(v));
      case 'place-relative':
        return BigInt.asUintN(64, this.offsetsAddr + BigInt(i * 4) + BigInt(v));
    }
  }

  /** The symbol containing `addr` (among aliases, the first in kallsyms order, as the kernel prints). */
  async lookup(addr: bigint): Promise<SymbolLookup | undefined> {
    const pos = await this.lastAtOrBelow(addr);
    if (pos < 0) return undefined;
    const symAddr = await this.addressAt(pos);
    let first = pos;
    while (first > 0 && (await this.addressAt(first - 1)) === symAddr) first--;
    let next = pos + 1;
    while (next < this.count && (await this.addressAt(next)) === symAddr) next++;
    const size = next < this.count ? (await this.addressAt(next)) - symAddr : 0n;
    if (size === 0n && addr !== symAddr) return undefined; // beyond the last symbol
    const s = await this.symbolAt(first);
    return { ...s, offset: addr - symAddr, size };
  }

  /**
   * Address of the first symbol called `name`. Scans kallsyms_names once per new name, comparing
   * expanded bytes (no strings are built); results are cached.
   */
  async address(name: string): Promise<bigint | undefined> {
    if (this.byName.has(name)) {
      const i = this.byName.get(name);
      return i === undefined ? undefined : this.addressAt(i);
    }
    const target = Uint8Array.from(name, (c) => c.charCodeAt(0) & 0xff);
    const i = await this.findName(target);
    if (this.byName.size > 4096) this.byName.clear();
    this.byName.set(name, i);
    return i === undefined ? undefined : this.addressAt(i);
  }

  /** Every symbol, in kallsyms order. */
  async *symbols(): AsyncIterableIterator<SymbolInfo> {
    for (let i = 0; i < this.count; i++) yield await this.symbolAt(i);
  }

  private async findName(target: Uint8Array): Promise<number | undefined> {
    const scratch = new Uint8Array(64 * 1024 + 1024);
    const scan = (
      bytes: Uint8Array,
      at: number,
      n: number,
      firstIndex: number,
    ): { found?: number; end: number } => {
      let p = at;
      for (let i = 0; i < n; i++) {
        if (p >= bytes.length)
          throw new VmcoreFormatError('BAD_KALLSYMS', 'kallsyms_names ends early', {
            field: 'kallsyms_names',
          });
        let len = bytes[p++]!;
        if (len & 0x80) len = (len & 0x7f) | ((bytes[p++] ?? 0) << 7);
        if (p + len > bytes.length)
          throw new VmcoreFormatError('BAD_KALLSYMS', 'kallsyms_names ends early', {
            field: 'kallsyms_names',
          });
        let o = 0;
        for (let k = 0; k < len && o <= target.length + 1 && o < 64 * 1024; k++) {
          const tok = this.tokens[bytes[p + k]!]!;
          scratch.set(tok, o);
          o += tok.length;
        }
        p += len;
        if (o !== target.length + 1) continue; // +1: the type letter
        let same = true;
        for (let j = 0; j < target.length; j++) {
          if (scratch[j + 1] !== target[j]) {
            same = false;
            break;
          }
        }
        if (same) return { found: firstIndex + i, end: p };
      }
      return { end: p };
    };
    if (this.markers) {
      const total = this.markers[this.markers.length - 1]!;
      const chunk = 256 * 1024;
      let k = 0;
      while (k * BLOCK < this.count) {
        // read whole blocks, about `chunk` bytes at a time
        let kEnd = k + 1;
        while (kEnd * BLOCK < this.count && this.markers[kEnd + 1]! - this.markers[k]! <= chunk)
          kEnd++;
        const start = this.markers[k]!;
        const end = Math.min(this.markers[kEnd]!, total);
        const bytes = await this.mem.readVirtual(this.namesAddr + BigInt(start), end - start);
        const r = scan(bytes, 0, Math.min(this.count, kEnd * BLOCK) - k * BLOCK, k * BLOCK);
        if (r.found !== undefined) return r.found;
        k = kEnd;
      }
      return undefined;
    }
    const name = String.fromCharCode(...target);
    for (let k = 0; k * BLOCK < this.count; k++) {
      const j = (await this.block(k)).names.indexOf(name);
      if (j >= 0) return k * BLOCK + j;
    }
    return undefined;
  }

  private async block(k: number): Promise<NameBlock> {
    const hit = this.blocks.get(k);
    if (hit) return hit;
    if (!this.markers || k + 1 >= this.markers.length) {
      throw new VmcoreFormatError('BAD_KALLSYMS', `kallsyms name block ${k} unavailable`, {
        field: 'kallsyms_names',
      });
    }
    const start = this.markers[k]!;
    const end = this.markers[k + 1]!;
    const bytes = await this.mem.readVirtual(this.namesAddr + BigInt(start), end - start);
    const n = Math.min(BLOCK, this.count - k * BLOCK);
    const block = decodeBlock(bytes, 0, n, this.tokens).block;
    this.blocks.set(k, block);
    return block;
  }

  /** index of the last symbol whose address is ≤ addr, or -1 */
  private async lastAtOrBelow(addr: bigint): Promise<number> {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((await this.addressAt(mid)) <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  private async chooseEncoding(stext: bigint | undefined): Promise<void> {
    if (stext === undefined) return; // keep 'relative'
    for (const enc of ['absolute-percpu', 'relative', 'place-relative'] as const) {
      this.encoding = enc;
      this.offsetPages.clear();
      const pos = await this.lastAtOrBelow(stext);
      if (pos < 0 || (await this.addressAt(pos)) !== stext) continue;
      // the aliases at that address must include _stext
      for (let i = pos; i >= 0 && (await this.addressAt(i)) === stext; i--) {
        if ((await this.symbolAt(i)).name === '_stext') return;
      }
    }
    throw new VmcoreFormatError(
      'BAD_KALLSYMS',
      'no kallsyms address encoding maps _stext to SYMBOL(_stext)',
      {
        field: 'kallsyms_offsets',
      },
    );
  }
}

/** Decode `n` names starting at byte `at` of `bytes`; returns them and the offset after them. */
function decodeBlock(
  bytes: Uint8Array,
  at: number,
  n: number,
  tokens: Uint8Array[],
): { block: NameBlock; end: number } {
  const names: string[] = [];
  const types: string[] = [];
  const scratch = DECODE_SCRATCH;
  let p = at;
  for (let i = 0; i < n; i++) {
    if (p >= bytes.length)
      throw new VmcoreFormatError('BAD_KALLSYMS', 'kallsyms_names ends early', {
        field: 'kallsyms_names',
      });
    let len = bytes[p++]!;
    if (len & 0x80) len = (len & 0x7f) | ((bytes[p++] ?? 0) << 7);
    if (p + len > bytes.length)
      throw new VmcoreFormatError('BAD_KALLSYMS', 'kallsyms_names ends early', {
        field: 'kallsyms_names',
      });
    let o = 0;
    for (let k = 0; k < len; k++) {
      const tok = tokens[bytes[p + k]!]!;
      if (o + tok.length > scratch.length) break; // a token table this odd is garbage: truncate
      scratch.set(tok, o);
      o += tok.length;
    }
    p += len;
    types.push(o > 0 ? String.fromCharCode(scratch[0]!) : '?');
    // KSYM_NAME_LEN is 512; longer names only come from corrupt tables
    names.push(o > 1 ? String.fromCharCode(...scratch.subarray(1, Math.min(o, 1024))) : '');
  }
  return { block: { names, types }, end: p };
}

/** Decode every name by reading kallsyms_names in order (at most `maxBytes`). */
async function decodeAllNames(
  mem: KernelMemory,
  tokens: Uint8Array[],
  count: number,
  namesAddr: bigint,
  maxBytes: number,
): Promise<NameBlock[]> {
  const blocks: NameBlock[] = [];
  const chunk = 256 * 1024;
  let buf: Uint8Array = new Uint8Array(0);
  let bufStart = 0;
  let pos = 0;
  for (let k = 0; k * BLOCK < count; k++) {
    const n = Math.min(BLOCK, count - k * BLOCK);
    // a block of 256 names is at most 256 × (2 + 0x3fff) bytes; in practice a few KiB
    for (;;) {
      try {
        const { block, end } = decodeBlock(buf, pos - bufStart, n, tokens);
        blocks.push(block);
        pos = bufStart + end;
        break;
      } catch (e) {
        const have = bufStart + buf.length;
        if (have >= maxBytes) throw e;
        const more = await readSome(
          mem,
          namesAddr + BigInt(have),
          Math.min(chunk, maxBytes - have),
        );
        const keep = buf.subarray(pos - bufStart);
        const next = new Uint8Array(keep.length + more.length);
        next.set(keep, 0);
        next.set(more, keep.length);
        buf = next;
        bufStart = pos;
      }
    }
  }
  return blocks;
}

/** Read up to `length` bytes, shrinking the read (to one page) when the full range is not readable. */
async function readSome(mem: KernelMemory, at: bigint, length: number): Promise<Uint8Array> {
  for (let n = length; ; n = Math.floor(n / 2)) {
    const pageRest = 4096 - Number(at & 0xfffn);
    if (n <= pageRest) return mem.readVirtual(at, Math.min(length, pageRest));
    try {
      return await mem.readVirtual(at, n);
    } catch {
      // try a shorter read
    }
  }
}

/**
 * Locate kallsyms_markers (u32 per 256 symbols) and check it: markers[0] = 0, strictly
 * increasing, markers[1] equal to the size of the first 256 decoded names. scripts/kallsyms.c
 * emits, each label 8-byte aligned: … kallsyms_names, kallsyms_markers, [kallsyms_seqs_of_names
 * (3 bytes per symbol; here in 6.2+ layouts and stable backports such as Debian's 6.1.1xx)],
 * kallsyms_token_table … — so the markers end either right before the token table or right
 * before the seqs table.
 */
async function findMarkers(
  mem: KernelMemory,
  tokens: Uint8Array[],
  count: number,
  namesAddr: bigint,
  tokenTableAddr: bigint,
): Promise<number[] | null> {
  const n = Math.ceil(count / BLOCK);
  const align8 = (x: number): bigint => BigInt((x + 7) & ~7);
  const candidates = [
    tokenTableAddr - align8(4 * n),
    tokenTableAddr - align8(3 * count) - align8(4 * n),
  ];
  for (const at of candidates) {
    const markers = await checkMarkers(mem, tokens, count, namesAddr, at, n);
    if (markers) return markers;
  }
  return null;
}

async function checkMarkers(
  mem: KernelMemory,
  tokens: Uint8Array[],
  count: number,
  namesAddr: bigint,
  at: bigint,
  n: number,
): Promise<number[] | null> {
  const namesEnd = Number(at - namesAddr); // names end where the markers begin (at most)
  if (at <= namesAddr || namesEnd > MAX_NAMES_BYTES) return null;
  try {
    const view = dv(await mem.readVirtual(at, 4 * n));
    const markers: number[] = [];
    for (let i = 0; i < n; i++) markers.push(view.getUint32(i * 4, true));
    if (markers[0] !== 0) return null;
    for (let i = 1; i < n; i++)
      if (markers[i]! <= markers[i - 1]! || markers[i]! >= namesEnd) return null;
    if (n > 1) {
      const first = await mem.readVirtual(namesAddr, markers[1]!);
      if (decodeBlock(first, 0, BLOCK, tokens).end !== markers[1]) return null;
    }
    // end of the last block: decode it to find its size
    const lastStart = markers[n - 1]!;
    // (≤ 256 names: try 16 KiB, then up to the markers)
    for (const size of [16 * 1024, namesEnd - lastStart]) {
      const tail = await mem.readVirtual(
        namesAddr + BigInt(lastStart),
        Math.min(namesEnd - lastStart, size),
      );
      try {
        markers.push(lastStart + decodeBlock(tail, 0, count - (n - 1) * BLOCK, tokens).end);
        return markers;
      } catch {
        // too short: retry with everything up to the markers
      }
    }
    return null;
  } catch {
    return null;
  }
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
