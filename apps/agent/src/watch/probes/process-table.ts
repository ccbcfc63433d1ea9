import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeFunction } from '../probe-protocol.js';

/**
 * What `ps` does: cmdline and status of every pid. Reading another task's cmdline takes its
 * mmap lock, so one task with a stuck mmap_lock hangs `ps`; the step before each pid names it.
 */
export const processTable: ProbeFunction = async (opts, step) => {
  const pids = readdirSync(opts.procDir).filter((n) => /^\d+$/.test(n));
  let read = 0;
  for (const pid of pids) {
    step(`pid ${pid}`);
    try {
      readFileSync(join(opts.procDir, pid, 'cmdline'));
      readFileSync(join(opts.procDir, pid, 'status'));
      read++;
    } catch (err) {
      // The process exited between readdir and read: normal churn, not a finding.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ESRCH') throw err;
    }
  }
  return { status: 'ok', evidence: [`read cmdline and status of ${read} of ${pids.length} pids`] };
};
