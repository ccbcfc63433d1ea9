import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeBuildId } from '../errors.js';

/** Splits DEBUGINFO_DIRS: `:`-separated like PATH (commas accepted too). */
export function parseDebuginfoDirs(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[:,]/)
    .map((d) => d.trim())
    .filter((d) => d !== '');
}

/** Where a file with this build-id sits in a debug tree: `.build-id/3b/43fa….debug`. */
export function buildIdCandidates(dir: string, buildId: string): string[] {
  const id = normalizeBuildId(buildId);
  const rel = join('.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
  // a plain dir, and an unpacked -dbg package (usr/lib/debug/…) under it
  return [join(dir, rel), join(dir, 'usr', 'lib', 'debug', rel)];
}

/** Where a kernel release's vmlinux sits: `vmlinux-<release>`, `<release>/vmlinux`, Debian's boot/. */
export function releaseCandidates(dir: string, release: string): string[] {
  if (release === '' || release.includes('/') || release.includes('\0') || release.startsWith('.'))
    return [];
  return [
    join(dir, `vmlinux-${release}`),
    join(dir, release, 'vmlinux'),
    join(dir, 'usr', 'lib', 'debug', 'boot', `vmlinux-${release}`),
    join(dir, 'usr', 'lib', 'debug', 'lib', 'modules', release, 'vmlinux'),
  ];
}

export async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}
