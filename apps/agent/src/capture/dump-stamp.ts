import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Debian's stamp, `YYYYMMDDHHMM` (kdump-tools' `date +%Y%m%d%H%M`), in UTC because the capture
 * kernel has no time zone configured; `-N` is appended when that minute already has a directory.
 */
export function dumpStamp(dumpDir: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const base = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}`;
  let stamp = base;
  for (let i = 1; existsSync(join(dumpDir, stamp)); i++) stamp = `${base}-${i}`;
  return stamp;
}
