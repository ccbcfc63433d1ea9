import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from './run-tool.js';
import { dumpStamp } from './dump-stamp.js';

export interface CaptureOptions {
  vmcore: string;
  dumpDir: string;
  makedumpfile: string;
  /** e.g. `-l -d 31`; `-F` (flattened, stdout) is refused: the agent writes files. */
  makedumpfileArgs: string;
  minFreeBytes: number;
  now?: Date;
  timeoutMs?: number;
}

export interface CaptureResult {
  dir: string;
  stamp: string;
  dump: string | null;
  dmesg: string | null;
  complete: boolean;
  reason: string | null;
  bytes: number | null;
  seconds: number;
}

export class CaptureError extends Error {
  readonly code: 'NO_VMCORE' | 'BAD_ARGS';
  constructor(code: CaptureError['code'], message: string) {
    super(message);
    this.code = code;
    this.name = 'CaptureError';
  }
}

async function fsyncPath(path: string): Promise<void> {
  const h = await open(path, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Saves the crashed kernel's memory in kdumpfleet's layout (Debian's, plus a metadata file):
 *
 *   <dumpDir>/<stamp>/kdumpfleet-capture.json   written first, rewritten at the end
 *   <dumpDir>/<stamp>/dmesg.<stamp>             the log, first (small, the most useful part)
 *   <dumpDir>/<stamp>/dump-incomplete           makedumpfile's output while it runs
 *   <dumpDir>/<stamp>/dump.<stamp>              the same file, renamed after fsync on success
 *
 * A dump is complete only under its final name, so a crash, power loss or full disk during the
 * capture leaves `dump-incomplete`, which `dumps` shows and `upload` never sends. When the
 * target has less than minFreeBytes free, only the dmesg is saved.
 */
export async function captureDump(o: CaptureOptions): Promise<CaptureResult> {
  if (!existsSync(o.vmcore))
    throw new CaptureError(
      'NO_VMCORE',
      `${o.vmcore} does not exist: not running in a capture kernel`,
    );
  const args = o.makedumpfileArgs.split(/\s+/).filter(Boolean);
  if (args.includes('-F'))
    throw new CaptureError(
      'BAD_ARGS',
      'makedumpfileArgs: -F (flattened to stdout) cannot be used for a local dump',
    );
  const t0 = Date.now();
  await mkdir(o.dumpDir, { recursive: true });
  const stamp = dumpStamp(o.dumpDir, o.now);
  const dir = join(o.dumpDir, stamp);
  await mkdir(dir);
  const meta = join(dir, 'kdumpfleet-capture.json');
  const writeMeta = async (extra: Record<string, unknown>) => {
    await writeFile(
      `${meta}.tmp`,
      JSON.stringify({ stamp, vmcore: o.vmcore, makedumpfileArgs: args, ...extra }, null, 2),
    );
    await rename(`${meta}.tmp`, meta);
  };
  await writeMeta({ state: 'capturing', startedAt: new Date(t0).toISOString() });

  let dmesg: string | null = join(dir, `dmesg.${stamp}`);
  const d = await runTool(
    [o.makedumpfile, '--dump-dmesg', o.vmcore, `${dmesg}.partial`],
    o.timeoutMs ?? 600_000,
  );
  if (d.code === 0 && existsSync(`${dmesg}.partial`)) await rename(`${dmesg}.partial`, dmesg);
  else {
    await rm(`${dmesg}.partial`, { force: true });
    dmesg = null;
  }

  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  let reason: string | null = null;
  let dump: string | null = null;
  let bytes: number | null = null;
  if (free < o.minFreeBytes) {
    reason = `only ${free} bytes free in ${o.dumpDir} (minFreeSpace ${o.minFreeBytes}): dmesg saved, memory not dumped`;
  } else {
    const partial = join(dir, 'dump-incomplete');
    const r = await runTool(
      [o.makedumpfile, ...args, o.vmcore, partial],
      o.timeoutMs ?? 6 * 3_600_000,
    );
    if (r.code === 0 && existsSync(partial)) {
      await fsyncPath(partial);
      dump = join(dir, `dump.${stamp}`);
      await rename(partial, dump);
      await fsyncPath(dir);
      bytes = (await stat(dump)).size;
    } else {
      reason = `makedumpfile failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`;
    }
  }
  const complete = dump !== null;
  await writeMeta({
    state: complete ? 'complete' : 'incomplete',
    startedAt: new Date(t0).toISOString(),
    finishedAt: new Date().toISOString(),
    reason,
    bytes,
  });
  await fsyncPath(dir);
  return { dir, stamp, dump, dmesg, complete, reason, bytes, seconds: (Date.now() - t0) / 1000 };
}
