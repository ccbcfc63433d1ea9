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
  /** bytes may come from several adjacent regions (first added wins); any gap fails the read */
  readVirtual(vaddr: bigint, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = vaddr + BigInt(done);
      const r = this.regions.find((x) => at >= x.at && at < x.at + BigInt(x.bytes.length));
      if (!r)
        return Promise.reject(
          new AddressTranslationError('NOT_MAPPED', at, 'not in the fake memory'),
        );
      const o = Number(at - r.at);
      const n = Math.min(length - done, r.bytes.length - o);
      out.set(r.bytes.subarray(o, o + n), done);
      done += n;
    }
    return Promise.resolve(out);
  }
}
