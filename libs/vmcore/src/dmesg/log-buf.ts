import { VmcoreFormatError } from '../errors.js';
import type { Vmcoreinfo } from '../vmcoreinfo.js';
import { formatRecord } from './format-record.js';
import type { KernelLog, KernelMemory } from './kernel-memory.js';
import type { DmesgOptions } from './printk-ringbuffer.js';
import { countLines } from './printk-ringbuffer.js';

/**
 * The legacy kernel log buffer (Linux 3.5 … 5.9): `char *log_buf` of `log_buf_len` bytes holding
 * variable-length records from `log_first_idx` up to `log_next_idx`:
 *
 *   struct printk_log {            (offsets from VMCOREINFO SIZE/OFFSET(printk_log…))
 *       u64 ts_nsec;               timestamp
 *       u16 len;                   whole record incl. text, dict and padding; 0 = wrap marker
 *       u16 text_len;
 *       u16 dict_len;
 *       u8  facility;
 *       u8  flags:5, level:3;
 *       u32 caller_id;             5.1+ with CONFIG_PRINTK_CALLER
 *   };                             text follows the struct, then the dictionary
 *
 * A record with len 0 marks the end of the used buffer: the next record is at offset 0. The walk
 * mirrors makedumpfile's dump_dmesg()/log_from_ptr()/log_next(), with bounds checks and a step
 * cap instead of its cycle detector.
 *
 * Before 3.5 (SYMBOL(log_end)), log_buf is plain text and is returned as is.
 */
const MAX_LOG_BUF = 1 << 28;

export async function readLogBuf(
  mem: KernelMemory,
  info: Vmcoreinfo,
  opts: DmesgOptions = {},
): Promise<KernelLog> {
  const logBufSym = info.symbol('log_buf');
  const logBufLenSym = info.symbol('log_buf_len');
  if (logBufSym === undefined || logBufLenSym === undefined) {
    throw new VmcoreFormatError(
      'MISSING_VMCOREINFO',
      'VMCOREINFO lacks SYMBOL(log_buf) or SYMBOL(log_buf_len)',
      {
        field: 'SYMBOL(log_buf)',
      },
    );
  }
  const logBuf = u64(await mem.readVirtual(logBufSym, 8));
  const logBufLen = u32(await mem.readVirtual(logBufLenSym, 4));
  if (logBufLen <= 0 || logBufLen > MAX_LOG_BUF) {
    throw new VmcoreFormatError('BAD_PRINTK', `log_buf_len ${logBufLen} out of range`, {
      field: 'log_buf_len',
    });
  }
  const buf = await mem.readVirtual(logBuf, logBufLen);

  const logEndSym = info.symbol('log_end');
  if (logEndSym !== undefined) {
    // pre-3.5: a ring of plain text; log_end counts bytes ever written
    const logEnd = u32(await mem.readVirtual(logEndSym, 4));
    let bytes: Uint8Array;
    if (logEnd < logBufLen) bytes = buf.subarray(0, logEnd);
    else {
      const index = logEnd & (logBufLen - 1);
      bytes = new Uint8Array(logBufLen);
      bytes.set(buf.subarray(index), 0);
      bytes.set(buf.subarray(0, index), logBufLen - index);
    }
    const text = new TextDecoder('latin1').decode(bytes);
    return {
      text,
      lines: countLines(text),
      records: countLines(text),
      source: 'log_buf_text',
      warnings: [],
    };
  }

  const firstSym = info.symbol('log_first_idx');
  const nextSym = info.symbol('log_next_idx');
  const size = info.size('printk_log');
  const offTs = info.offset('printk_log.ts_nsec');
  const offLen = info.offset('printk_log.len');
  const offTextLen = info.offset('printk_log.text_len');
  const offCaller = info.offset('printk_log.caller_id');
  if (
    firstSym === undefined ||
    nextSym === undefined ||
    size === undefined ||
    offTs === undefined ||
    offLen === undefined ||
    offTextLen === undefined
  ) {
    throw new VmcoreFormatError(
      'MISSING_VMCOREINFO',
      'VMCOREINFO lacks the printk_log layout or log_first_idx/log_next_idx',
      {
        field: 'SIZE(printk_log)',
      },
    );
  }
  if (size < 16 || size > 256)
    throw new VmcoreFormatError('BAD_PRINTK', `SIZE(printk_log) ${size}`, {
      field: 'SIZE(printk_log)',
    });
  const firstIdx = u32(await mem.readVirtual(firstSym, 4));
  const nextIdx = u32(await mem.readVirtual(nextSym, 4));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const warnings: string[] = [];
  const lenAt = (p: number): number =>
    p + offLen + 2 <= logBufLen ? view.getUint16(p + offLen, true) : 0;

  let text = '';
  let records = 0;
  let ptr = firstIdx;
  const maxSteps = Math.ceil(logBufLen / size) + 1;
  let steps = 0;
  while (ptr !== nextIdx) {
    if (ptr >= logBufLen || ++steps > maxSteps) {
      warnings.push(`log_buf walk left the buffer or looped at index ${ptr}; output stops there`);
      break;
    }
    const rec = lenAt(ptr) === 0 ? 0 : ptr; // log_from_ptr(): len 0 = wrap to the start
    const recLen = lenAt(rec);
    if (recLen < size || rec + size > logBufLen) {
      warnings.push(`corrupt log_buf record at index ${rec}; output stops there`);
      break;
    }
    const ts = view.getBigUint64(rec + offTs, true);
    const textLen = Math.min(view.getUint16(rec + offTextLen, true), logBufLen - rec - size);
    const caller =
      opts.callerId && offCaller !== undefined ? view.getUint32(rec + offCaller, true) : undefined;
    text += formatRecord(ts, buf.subarray(rec + size, rec + size + textLen), caller);
    records++;
    ptr = rec + recLen; // log_next()
  }
  return { text, lines: countLines(text), records, source: 'log_buf', warnings };
}

function u64(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}
function u32(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
}
