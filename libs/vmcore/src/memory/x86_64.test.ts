import { describe, expect, it } from 'vitest';
import { AddressTranslationError, PageNotPresentError } from '../errors.js';
import type { PhysicalMemory } from './physical-memory.js';
import { START_KERNEL_MAP, X86_64KernelMemory } from './x86_64.js';

/** sparse physical memory: 4 KiB pages on demand, unknown pages MISSING */
class FakePhysical implements PhysicalMemory {
  readonly pageSize = 4096;
  readonly pages = new Map<bigint, Uint8Array>();
  page(addr: bigint): Uint8Array {
    const base = addr & ~0xfffn;
    let p = this.pages.get(base);
    if (!p) {
      p = new Uint8Array(4096);
      this.pages.set(base, p);
    }
    return p;
  }
  setU64(addr: bigint, value: bigint): void {
    new DataView(this.page(addr).buffer).setBigUint64(Number(addr & 0xfffn), value, true);
  }
  readPhysical(paddr: bigint, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const a = paddr + BigInt(i);
      const p = this.pages.get(a & ~0xfffn);
      if (!p) return Promise.reject(new PageNotPresentError('MISSING', a & ~0xfffn));
      out[i] = p[Number(a & 0xfffn)]!;
    }
    return Promise.resolve(out);
  }
}

const P = 1n; // present
const RW = 2n;
const PSE = 0x80n;
const idx = (va: bigint, level: number): bigint => (va >> (12n + 9n * BigInt(level - 1))) & 0x1ffn;

/** map `va` → `pa` by creating tables below `top` (phys), leaf at `leafLevel` (1 = 4K, 2 = 2M, 3 = 1G) */
function map(
  mem: FakePhysical,
  top: bigint,
  levels: number,
  va: bigint,
  pa: bigint,
  leafLevel = 1,
): void {
  let table = top;
  let nextFree = 0x100000n + BigInt(mem.pages.size) * 0x1000n;
  for (let level = levels; level > leafLevel; level--) {
    const entryAt = table + idx(va, level) * 8n;
    const existing = new DataView(mem.page(entryAt).buffer).getBigUint64(
      Number(entryAt & 0xfffn),
      true,
    );
    if (existing & P) {
      table = existing & 0x000ffffffffff000n;
      continue;
    }
    const next = nextFree;
    nextFree += 0x1000n;
    mem.page(next);
    mem.setU64(entryAt, next | P | RW);
    table = next;
  }
  mem.setU64(table + idx(va, leafLevel) * 8n, pa | P | RW | (leafLevel > 1 ? PSE : 0n));
}

function setup(fiveLevel: boolean): { mem: FakePhysical; kmem: X86_64KernelMemory; top: bigint } {
  const mem = new FakePhysical();
  const physBase = 0x3000000n;
  const topVirt = START_KERNEL_MAP + 0x10000n; // init_top_pgt in the image mapping
  const top = topVirt - START_KERNEL_MAP + physBase;
  mem.page(top);
  const kmem = new X86_64KernelMemory(mem, { physBase, topPageTable: topVirt, fiveLevel });
  return { mem, kmem, top };
}

describe('x86_64 kernel memory', () => {
  it('translates the kernel image mapping by arithmetic (phys_base)', async () => {
    const { kmem } = setup(false);
    expect(await kmem.translate(START_KERNEL_MAP + 0x1234n)).toBe(0x3000000n + 0x1234n);
  });

  for (const fiveLevel of [false, true]) {
    const levels = fiveLevel ? 5 : 4;
    it(`walks ${levels}-level page tables: 4 KiB, 2 MiB and 1 GiB pages`, async () => {
      const { mem, kmem, top } = setup(fiveLevel);
      const direct = fiveLevel ? 0xff11000000000000n : 0xffff888000000000n;
      map(mem, top, levels, direct + 0x5000n, 0x7000n);
      map(mem, top, levels, direct + 0x40000000n + 0x200000n, 0x800000n, 2);
      map(mem, top, levels, direct + 0x80000000n * 4n, 0x40000000n, 3);
      mem.setU64(0x7000n + 8n, 0x1122334455667788n);
      expect(await kmem.translate(direct + 0x5008n)).toBe(0x7008n);
      expect(await kmem.readU64(direct + 0x5008n)).toBe(0x1122334455667788n);
      expect(await kmem.translate(direct + 0x40000000n + 0x200000n + 0x12345n)).toBe(0x812345n);
      expect(await kmem.translate(direct + 0x80000000n * 4n + 0x3456789n)).toBe(0x43456789n);
      await expect(kmem.translate(direct + 0x9000n)).rejects.toMatchObject({ code: 'NOT_MAPPED' });
    });
  }

  it('rejects non-canonical addresses', async () => {
    const { kmem } = setup(false);
    await expect(kmem.translate(0x0000900000000000n)).rejects.toBeInstanceOf(
      AddressTranslationError,
    );
  });

  it('terminates on a page table that points at itself (bounded depth)', async () => {
    const { mem, kmem, top } = setup(false);
    // every entry of the top table points back at the top table
    for (let i = 0n; i < 512n; i++) mem.setU64(top + i * 8n, top | P | RW);
    const r = await kmem.translate(0xffff888000001000n).then(
      (pa) => pa,
      (e: unknown) => e,
    );
    // the walk ends after 4 levels with some frame; it must not hang or recurse
    expect(typeof r === 'bigint' || r instanceof AddressTranslationError).toBe(true);
  });

  it('reports page tables that are missing from the dump as such', async () => {
    const { mem, kmem, top } = setup(false);
    mem.setU64(top + idx(0xffff888000000000n, 4) * 8n, 0xdead000n | P);
    await expect(kmem.translate(0xffff888000000000n)).rejects.toBeInstanceOf(PageNotPresentError);
  });

  it('reads C strings across pages', async () => {
    const { mem, kmem, top } = setup(false);
    const va = 0xffff888000010000n;
    map(mem, top, 4, va, 0x20000n);
    map(mem, top, 4, va + 0x1000n, 0x50000n);
    mem.page(0x20000n).set(new TextEncoder().encode('hello '), 4090);
    mem.page(0x50000n).set(new TextEncoder().encode('world\0junk'), 0);
    expect(await kmem.readCString(va + 4090n)).toBe('hello world');
  });
});
