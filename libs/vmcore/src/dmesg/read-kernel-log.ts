import { VmcoreFormatError } from '../errors.js';
import type { Vmcoreinfo } from '../vmcoreinfo.js';
import type { KernelLog, KernelMemory } from './kernel-memory.js';
import { readLogBuf } from './log-buf.js';
import { readPrintkRingbuffer, type DmesgOptions } from './printk-ringbuffer.js';

/** The kernel log from whichever buffer the kernel had: `prb` (5.10+) or `log_buf` (older). */
export function readKernelLogFrom(
  mem: KernelMemory,
  info: Vmcoreinfo,
  opts: DmesgOptions = {},
): Promise<KernelLog> {
  if (info.symbol('prb') !== undefined) return readPrintkRingbuffer(mem, info, opts);
  if (info.symbol('log_buf') !== undefined) return readLogBuf(mem, info, opts);
  return Promise.reject(
    new VmcoreFormatError(
      'MISSING_VMCOREINFO',
      'VMCOREINFO has neither SYMBOL(prb) nor SYMBOL(log_buf)',
      {
        field: 'SYMBOL(prb)',
      },
    ),
  );
}
