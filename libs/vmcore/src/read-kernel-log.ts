import type { DmesgOptions } from './dmesg/printk-ringbuffer.js';
import type { Vmcore } from './vmcore.js';

/** The kernel log of a vmcore as `makedumpfile --dump-dmesg` prints it, and its line count. */
export async function readKernelLog(
  vmcore: Vmcore,
  opts?: DmesgOptions,
): Promise<{ text: string; lines: number }> {
  const log = await vmcore.readKernelLog(opts);
  return { text: log.text, lines: log.lines };
}
