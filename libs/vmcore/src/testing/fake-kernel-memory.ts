import { AddressTranslationError } from '../errors.js';
import type { KernelMemory } from '../dmesg/kernel-memory.js';

/** Kernel virtual memory made of byte regions, for dmesg/kallsyms tests; gaps are unmapped. */
export class FakeKernelMemory implements KernelMemory {
  private readonly regions: { at: bigint; bytes: Uint8Array }[] = [];
  add(at: bigint, bytes: Uint8Array): this {
    this.regions.push({ at, bytes });
    return this;
  }
  u64(at: bigint, v: bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    return this.add(at, b);
  }
  u32(at: bigint, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    return this.add(at, b);
  }
  readVirtual(vaddr: bigint, length: number): Promise<Uint8Array> {
    for (const r of this.regions) {
      if (vaddr >= r.at && vaddr + BigInt(length) <= r.at + BigInt(r.bytes.length)) {
        const o = Number(vaddr - r.at);
        return Promise.resolve(r.bytes.slice(o, o + length));
      }
    }
    return Promise.reject(
      new AddressTranslationError('NOT_MAPPED', vaddr, 'not in the fake memory'),
    );
  }
}
