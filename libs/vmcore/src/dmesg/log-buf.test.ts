import { describe, expect, it } from 'vitest';
import { FakeKernelMemory } from '../testing/fake-kernel-memory.js';
import { Vmcoreinfo } from '../vmcoreinfo.js';
import { readKernelLogFrom } from './read-kernel-log.js';

/**
 * struct printk_log (3.5 … 5.9) as documented in kernel/printk/printk.c:
 *   u64 ts_nsec @0; u16 len @8; u16 text_len @10; u16 dict_len @12; u8 facility @14;
 *   u8 flags:5, level:3 @15; [u32 caller_id @16 with CONFIG_PRINTK_CALLER]
 * records are LOG_ALIGN (8) aligned; a record with len 0 marks the wrap to offset 0.
 */
const SIZE = 16;
function record(ts: bigint, text: string, dict = ''): Uint8Array {
  const t = new TextEncoder().encode(text);
  const d = new TextEncoder().encode(dict);
  const len = (SIZE + t.length + d.length + 7) & ~7;
  const r = new Uint8Array(len);
  const v = new DataView(r.buffer);
  v.setBigUint64(0, ts, true);
  v.setUint16(8, len, true);
  v.setUint16(10, t.length, true);
  v.setUint16(12, d.length, true);
  r[14] = 0;
  r[15] = 6 << 5;
  r.set(t, SIZE);
  r.set(d, SIZE + t.length);
  return r;
}

const SYM = {
  log_buf: 0xffffffff82000000n,
  log_buf_len: 0xffffffff82000008n,
  first: 0xffffffff82000010n,
  next: 0xffffffff82000018n,
};
const BUF = 0xffff888001000000n;
const INFO = new Vmcoreinfo(
  [
    `SYMBOL(log_buf)=${SYM.log_buf.toString(16)}`,
    `SYMBOL(log_buf_len)=${SYM.log_buf_len.toString(16)}`,
    `SYMBOL(log_first_idx)=${SYM.first.toString(16)}`,
    `SYMBOL(log_next_idx)=${SYM.next.toString(16)}`,
    'SIZE(printk_log)=16',
    'OFFSET(printk_log.ts_nsec)=0',
    'OFFSET(printk_log.len)=8',
    'OFFSET(printk_log.text_len)=10',
    '',
  ].join('\n'),
);

function memory(buf: Uint8Array, first: number, next: number): FakeKernelMemory {
  return new FakeKernelMemory()
    .u64(SYM.log_buf, BUF)
    .u32(SYM.log_buf_len, buf.length)
    .u32(SYM.first, first)
    .u32(SYM.next, next)
    .add(BUF, buf);
}

describe('legacy log_buf (Linux 3.5 … 5.9)', () => {
  it('prints records from log_first_idx to log_next_idx, skipping dictionaries', async () => {
    const recs = [
      record(1_000_000n, 'first line'),
      record(2_500_000_000n, 'second\nwith continuation', 'SUBSYSTEM=pci'),
      record(3_000_000_000n, 'third'),
    ];
    const buf = new Uint8Array(1024);
    let o = 0;
    for (const r of recs) {
      buf.set(r, o);
      o += r.length;
    }
    const log = await readKernelLogFrom(memory(buf, 0, o), INFO);
    expect(log.source).toBe('log_buf');
    expect(log.text).toBe(
      '[    0.001000] first line\n' +
        '[    2.500000] second\n' +
        '               with continuation\n' +
        '[    3.000000] third\n',
    );
    expect(log.lines).toBe(4);
    expect(log.records).toBe(3);
  });

  it('follows the wrap marker (len 0) back to the start of the buffer', async () => {
    const buf = new Uint8Array(256);
    const old = record(1_000_000_000n, 'old record at the end');
    const wrapAt = 256 - old.length - 16;
    buf.set(old, wrapAt); // oldest record
    // after it, a zero-length header: wrap
    const a = record(2_000_000_000n, 'new A');
    const b = record(3_000_000_000n, 'new B');
    buf.set(a, 0);
    buf.set(b, a.length);
    const log = await readKernelLogFrom(memory(buf, wrapAt, a.length + b.length), INFO);
    expect(log.text.split('\n').filter(Boolean)).toEqual([
      '[    1.000000] old record at the end',
      '[    2.000000] new A',
      '[    3.000000] new B',
    ]);
  });

  it('stops with a warning on a corrupt record instead of looping', async () => {
    const buf = new Uint8Array(128);
    const r = record(1n, 'x');
    buf.set(r, 0);
    new DataView(buf.buffer).setUint16(8, 4, true); // len smaller than the header
    const log = await readKernelLogFrom(memory(buf, 0, 64), INFO);
    expect(log.records).toBe(0);
    expect(log.warnings.join(' ')).toMatch(/corrupt log_buf record/);
  });

  it('returns the plain text of pre-3.5 kernels (log_end)', async () => {
    const info = new Vmcoreinfo(INFO.text + `SYMBOL(log_end)=ffffffff82000020\n`);
    const text = new TextEncoder().encode('<6>hello\n<6>world\n');
    const buf = new Uint8Array(64);
    buf.set(text, 0);
    const mem = memory(buf, 0, 0).u32(0xffffffff82000020n, text.length);
    const log = await readKernelLogFrom(mem, info);
    expect(log.text).toBe('<6>hello\n<6>world\n');
  });
});
