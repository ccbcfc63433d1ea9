import { VmcoreFormatError } from '../errors.js';
import type { Vmcoreinfo } from '../vmcoreinfo.js';
import { formatRecord } from './format-record.js';
import { readTolerant, type KernelLog, type KernelMemory } from './kernel-memory.js';

/**
 * The lockless printk ring buffer (Linux ≥ 5.10, kernel/printk/printk_ringbuffer.h):
 *
 *   struct printk_ringbuffer { struct prb_desc_ring desc_ring; struct prb_data_ring text_data_ring; … };
 *   struct prb_desc_ring { unsigned int count_bits; struct prb_desc *descs; struct printk_info *infos;
 *                          atomic_long_t head_id; atomic_long_t tail_id; … };
 *   struct prb_desc { atomic_long_t state_var; struct prb_data_blk_lpos text_blk_lpos; };
 *   struct prb_data_blk_lpos { unsigned long begin; unsigned long next; };
 *   struct printk_info { u64 seq; u64 ts_nsec; u16 text_len; u8 facility; u8 flags:5, level:3;
 *                        u32 caller_id; struct dev_printk_info dev_info; };
 *   struct prb_data_ring { unsigned int size_bits; char *data; atomic_long_t head_lpos, tail_lpos; };
 *
 * Every offset and size comes from VMCOREINFO. A descriptor's state is the top 2 bits of
 * state_var (committed = 1, finalized = 2 are printable); its id the rest. A text block starts
 * with the descriptor id (unsigned long); a block that would wrap is stored at the ring's start.
 * The walk mirrors makedumpfile's dump_lockless_dmesg(): ids tail_id … head_id.
 */
const DESC_SV_BITS = 64n;
const DESC_FLAGS_SHIFT = DESC_SV_BITS - 2n;
const DESC_FLAGS_MASK = 3n << DESC_FLAGS_SHIFT;
const DESC_ID_MASK = BigInt.asUintN(64, ~DESC_FLAGS_MASK);
const DESC_COMMITTED = 1n;
const DESC_FINALIZED = 2n;

/** caps: Linux allows log_buf_len up to 2^31 but real rings are far smaller */
const MAX_COUNT_BITS = 22;
const MAX_SIZE_BITS = 28;

export interface DmesgOptions {
  /** prefix records with the caller id ("[  T123] ") like makedumpfile ≥ 1.7.5 (default false) */
  callerId?: boolean;
}

export async function readPrintkRingbuffer(
  mem: KernelMemory,
  info: Vmcoreinfo,
  opts: DmesgOptions = {},
): Promise<KernelLog> {
  const need = (v: number | bigint | undefined, key: string): number => {
    if (v === undefined)
      throw new VmcoreFormatError('MISSING_VMCOREINFO', `VMCOREINFO lacks ${key}`, { field: key });
    return Number(v);
  };
  const prbSym = info.symbol('prb');
  if (prbSym === undefined)
    throw new VmcoreFormatError('MISSING_VMCOREINFO', 'VMCOREINFO lacks SYMBOL(prb)', {
      field: 'SYMBOL(prb)',
    });
  const sizePrb = need(info.size('printk_ringbuffer'), 'SIZE(printk_ringbuffer)');
  const offDescRing = need(
    info.offset('printk_ringbuffer.desc_ring'),
    'OFFSET(printk_ringbuffer.desc_ring)',
  );
  const offTextRing = need(
    info.offset('printk_ringbuffer.text_data_ring'),
    'OFFSET(printk_ringbuffer.text_data_ring)',
  );
  const offCountBits = need(
    info.offset('prb_desc_ring.count_bits'),
    'OFFSET(prb_desc_ring.count_bits)',
  );
  const offDescs = need(info.offset('prb_desc_ring.descs'), 'OFFSET(prb_desc_ring.descs)');
  const offInfos = need(info.offset('prb_desc_ring.infos'), 'OFFSET(prb_desc_ring.infos)');
  const offHead = need(info.offset('prb_desc_ring.head_id'), 'OFFSET(prb_desc_ring.head_id)');
  const offTail = need(info.offset('prb_desc_ring.tail_id'), 'OFFSET(prb_desc_ring.tail_id)');
  const sizeDesc = need(info.size('prb_desc'), 'SIZE(prb_desc)');
  const offStateVar = need(info.offset('prb_desc.state_var'), 'OFFSET(prb_desc.state_var)');
  const offTextLpos = need(info.offset('prb_desc.text_blk_lpos'), 'OFFSET(prb_desc.text_blk_lpos)');
  const offLposBegin = need(
    info.offset('prb_data_blk_lpos.begin'),
    'OFFSET(prb_data_blk_lpos.begin)',
  );
  const offLposNext = need(info.offset('prb_data_blk_lpos.next'), 'OFFSET(prb_data_blk_lpos.next)');
  const sizeInfo = need(info.size('printk_info'), 'SIZE(printk_info)');
  const offTs = need(info.offset('printk_info.ts_nsec'), 'OFFSET(printk_info.ts_nsec)');
  const offTextLen = need(info.offset('printk_info.text_len'), 'OFFSET(printk_info.text_len)');
  const offCaller = info.offset('printk_info.caller_id');
  const offSizeBits = need(
    info.offset('prb_data_ring.size_bits'),
    'OFFSET(prb_data_ring.size_bits)',
  );
  const offData = need(info.offset('prb_data_ring.data'), 'OFFSET(prb_data_ring.data)');
  const offCounter = info.offset('atomic_long_t.counter') ?? 0;
  if (sizePrb > 4096 || sizeDesc > 256 || sizeInfo > 4096 || sizeDesc < 24 || sizeInfo < 24) {
    throw new VmcoreFormatError('BAD_PRINTK', 'implausible printk struct sizes in VMCOREINFO', {
      field: 'SIZE(prb_desc)',
    });
  }

  const prbAddr = u64(await mem.readVirtual(prbSym, 8), 0);
  const prb = await mem.readVirtual(prbAddr, sizePrb);
  const countBits = u32(prb, offDescRing + offCountBits);
  const sizeBits = u32(prb, offTextRing + offSizeBits);
  if (countBits > MAX_COUNT_BITS || sizeBits > MAX_SIZE_BITS || sizeBits < 3) {
    throw new VmcoreFormatError(
      'BAD_PRINTK',
      `printk ring count_bits ${countBits} / size_bits ${sizeBits} out of range`,
      {
        field: 'prb_desc_ring.count_bits',
      },
    );
  }
  const count = 2 ** countBits;
  const countBig = BigInt(count);
  const ringSize = 2 ** sizeBits;
  const ringSizeBig = BigInt(ringSize);
  const descsAddr = u64(prb, offDescRing + offDescs);
  const infosAddr = u64(prb, offDescRing + offInfos);
  const dataAddr = u64(prb, offTextRing + offData);
  const headId = u64(prb, offDescRing + offHead + offCounter);
  const tailId = u64(prb, offDescRing + offTail + offCounter);

  const descs = await readTolerant(mem, descsAddr, count * sizeDesc);
  const infos = await readTolerant(mem, infosAddr, count * sizeInfo);
  const data = await readTolerant(mem, dataAddr, ringSize);
  const warnings: string[] = [];
  const pagesLost = descs.failures + infos.failures + data.failures;
  if (pagesLost)
    warnings.push(
      `${pagesLost} page(s) of the printk ring are not in the dump; their records are skipped`,
    );

  const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const descView = dv(descs.bytes);
  const infoView = dv(infos.bytes);
  let text = '';
  let records = 0;
  let skipped = 0;

  const dump = (id: bigint): void => {
    const slot = Number(id % countBig);
    const d = slot * sizeDesc;
    if (descs.unreadable(d, sizeDesc)) {
      skipped++;
      return;
    }
    const stateVar = descView.getBigUint64(d + offStateVar + offCounter, true);
    if ((stateVar & DESC_ID_MASK) !== id) return; // desc_miss
    const state = (stateVar >> DESC_FLAGS_SHIFT) & 3n;
    if (state !== DESC_COMMITTED && state !== DESC_FINALIZED) return;
    let begin = Number(descView.getBigUint64(d + offTextLpos + offLposBegin, true) % ringSizeBig);
    const next = Number(descView.getBigUint64(d + offTextLpos + offLposNext, true) % ringSizeBig);
    if (begin === next) return; // data-less block
    const inf = slot * sizeInfo;
    if (infos.unreadable(inf, sizeInfo)) {
      skipped++;
      return;
    }
    let textLen = infoView.getUint16(inf + offTextLen, true);
    if (begin > next) begin = 0; // the block wrapped: its data is at the ring's start
    begin += 8; // skip the descriptor id that heads every data block
    if (next >= begin && next - begin < textLen) textLen = next - begin;
    textLen = Math.max(0, Math.min(textLen, ringSize - begin));
    if (data.unreadable(begin, textLen)) {
      skipped++;
      return;
    }
    const ts = infoView.getBigUint64(inf + offTs, true);
    const caller =
      opts.callerId && offCaller !== undefined
        ? infoView.getUint32(inf + offCaller, true)
        : undefined;
    text += formatRecord(ts, data.bytes.subarray(begin, begin + textLen), caller);
    records++;
  };

  // ids run tail … head (inclusive); the id space is 62 bits. At most `count` records exist, so
  // a corrupt head/tail pair cannot make this loop longer than the ring.
  let id = tailId & DESC_ID_MASK;
  const head = headId & DESC_ID_MASK;
  let steps = 0;
  while (id !== head && steps < count) {
    dump(id);
    id = (id + 1n) & DESC_ID_MASK;
    steps++;
  }
  if (steps >= count && id !== head)
    warnings.push('printk ring head/tail ids are inconsistent; stopped after one ring');
  dump(id);
  if (skipped)
    warnings.push(
      `${skipped} record(s) skipped: their descriptor, info or text is not in the dump`,
    );
  return { text, lines: countLines(text), records, source: 'printk_ringbuffer', warnings };
}

export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function u64(b: Uint8Array, at: number): bigint {
  if (at < 0 || at + 8 > b.length)
    throw new VmcoreFormatError('BAD_PRINTK', `offset ${at} outside printk struct`, {
      field: 'OFFSET',
    });
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(at, true);
}
function u32(b: Uint8Array, at: number): number {
  if (at < 0 || at + 4 > b.length)
    throw new VmcoreFormatError('BAD_PRINTK', `offset ${at} outside printk struct`, {
      field: 'OFFSET',
    });
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}
