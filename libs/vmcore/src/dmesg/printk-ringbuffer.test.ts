import { describe, expect, it } from 'vitest';
import { FakeKernelMemory } from '../testing/fake-kernel-memory.js';
import { Vmcoreinfo } from '../vmcoreinfo.js';
import { readKernelLogFrom } from './read-kernel-log.js';

/** layout entries exactly as a 6.1 x86_64 kernel exports them in VMCOREINFO */
const LAYOUT = `SYMBOL(prb)=ffffffff82000000
SIZE(printk_ringbuffer)=88
OFFSET(printk_ringbuffer.desc_ring)=0
OFFSET(printk_ringbuffer.text_data_ring)=48
OFFSET(prb_desc_ring.count_bits)=0
OFFSET(prb_desc_ring.descs)=8
OFFSET(prb_desc_ring.infos)=16
OFFSET(prb_desc_ring.head_id)=24
OFFSET(prb_desc_ring.tail_id)=32
SIZE(prb_desc)=24
OFFSET(prb_desc.state_var)=0
OFFSET(prb_desc.text_blk_lpos)=8
OFFSET(prb_data_blk_lpos.begin)=0
OFFSET(prb_data_blk_lpos.next)=8
SIZE(printk_info)=88
OFFSET(printk_info.seq)=0
OFFSET(printk_info.ts_nsec)=8
OFFSET(printk_info.text_len)=16
OFFSET(printk_info.caller_id)=20
OFFSET(prb_data_ring.size_bits)=0
OFFSET(prb_data_ring.data)=8
OFFSET(atomic_long_t.counter)=0
`;

const PRB = 0xffffffff82000100n;
const DESCS = 0xffff888001000000n;
const INFOS = 0xffff888001100000n;
const DATA = 0xffff888001200000n;
const COMMITTED = 1n << 62n;
const FINALIZED = 2n << 62n;

interface Rec {
  id: bigint;
  state: bigint;
  begin: bigint;
  next: bigint;
  ts: bigint;
  text: string;
  caller?: number;
}

function ring(
  countBits: number,
  sizeBits: number,
  recs: Rec[],
  head: bigint,
  tail: bigint,
): FakeKernelMemory {
  const count = 1 << countBits;
  const size = 1 << sizeBits;
  const descs = new Uint8Array(count * 24);
  const infos = new Uint8Array(count * 88);
  const data = new Uint8Array(size);
  const dv = new DataView(descs.buffer);
  const iv = new DataView(infos.buffer);
  const dd = new DataView(data.buffer);
  for (const r of recs) {
    const slot = Number(r.id % BigInt(count));
    dv.setBigUint64(slot * 24, r.id | r.state, true);
    dv.setBigUint64(slot * 24 + 8, r.begin, true);
    dv.setBigUint64(slot * 24 + 16, r.next, true);
    iv.setBigUint64(slot * 88 + 8, r.ts, true);
    iv.setUint16(slot * 88 + 16, r.text.length, true);
    iv.setUint32(slot * 88 + 20, r.caller ?? 0, true);
    // data block: id then text; a block that would wrap starts at offset 0
    let at = Number(r.begin % BigInt(size));
    if (Number(r.next % BigInt(size)) < at) at = 0;
    dd.setBigUint64(at, r.id, true);
    data.set(new TextEncoder().encode(r.text), at + 8);
  }
  const prb = new Uint8Array(88);
  const pv = new DataView(prb.buffer);
  pv.setUint32(0, countBits, true);
  pv.setBigUint64(8, DESCS, true);
  pv.setBigUint64(16, INFOS, true);
  pv.setBigUint64(24, head, true);
  pv.setBigUint64(32, tail, true);
  pv.setUint32(48, sizeBits, true);
  pv.setBigUint64(56, DATA, true);
  return new FakeKernelMemory()
    .u64(0xffffffff82000000n, PRB)
    .add(PRB, prb)
    .add(DESCS, descs)
    .add(INFOS, infos)
    .add(DATA, data);
}

describe('printk ring buffer (5.10+)', () => {
  it('prints committed/finalized records tail … head, skips reserved ones, handles a wrapped block', async () => {
    const recs: Rec[] = [
      { id: 5n, state: FINALIZED, begin: 0n, next: 24n, ts: 1_000_000n, text: 'one' },
      { id: 6n, state: FINALIZED, begin: 24n, next: 48n, ts: 2_000_000n, text: 'two\nlines' },
      { id: 7n, state: 0n, begin: 48n, next: 72n, ts: 3_000_000n, text: 'reserved' }, // desc_reserved: skipped
      // wraps: begins near the end of the 128-byte ring, data stored at offset 0 of the next lap
      { id: 8n, state: COMMITTED, begin: 120n, next: 128n + 24n, ts: 4_000_000n, text: 'wrapped' },
    ];
    // record 8 took slot 0 and the start of the data ring: record 5 is gone (tail is 6)
    const mem = ring(2, 7, recs.slice(1), 8n, 6n);
    const log = await readKernelLogFrom(mem, new Vmcoreinfo(LAYOUT));
    expect(log.source).toBe('printk_ringbuffer');
    expect(log.text).toBe('[    0.002000] two\n               lines\n[    0.004000] wrapped\n');
    expect(log.records).toBe(2);
  });

  it('adds caller ids on request', async () => {
    const mem = ring(
      2,
      7,
      [{ id: 1n, state: FINALIZED, begin: 0n, next: 24n, ts: 0n, text: 'x', caller: 0x80000001 }],
      1n,
      1n,
    );
    const log = await readKernelLogFrom(mem, new Vmcoreinfo(LAYOUT), { callerId: true });
    expect(log.text).toBe('[    0.000000] [    C1] x\n');
  });

  it('refuses absurd ring sizes and does not loop on inconsistent ids', async () => {
    const huge = ring(2, 7, [], 1n, 0n);
    const prb = new Uint8Array(88);
    new DataView(prb.buffer).setUint32(0, 40, true);
    const bad = new FakeKernelMemory().add(PRB, prb);
    const merged = {
      readVirtual: (a: bigint, l: number) =>
        bad.readVirtual(a, l).catch(() => huge.readVirtual(a, l)),
    };
    await expect(readKernelLogFrom(merged, new Vmcoreinfo(LAYOUT))).rejects.toMatchObject({
      code: 'BAD_PRINTK',
    });
    // head far away from tail: at most one ring's worth of ids is visited
    const far = ring(2, 7, [], 1n << 40n, 0n);
    const log = await readKernelLogFrom(far, new Vmcoreinfo(LAYOUT));
    expect(log.records).toBe(0);
    expect(log.warnings.join(' ')).toMatch(/inconsistent/);
  });

  it('skips records whose text is not in the dump instead of printing zeros', async () => {
    const mem = ring(
      2,
      7,
      [{ id: 1n, state: FINALIZED, begin: 0n, next: 24n, ts: 0n, text: 'x' }],
      1n,
      1n,
    );
    const noData = {
      readVirtual: (a: bigint, l: number) =>
        a >= DATA && a < DATA + 128n
          ? Promise.reject(new Error('page excluded'))
          : mem.readVirtual(a, l),
    };
    const log = await readKernelLogFrom(noData, new Vmcoreinfo(LAYOUT));
    expect(log.records).toBe(0);
    expect(log.warnings.join(' ')).toMatch(/not in the dump/);
  });
});
