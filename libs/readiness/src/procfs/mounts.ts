import { posix } from 'node:path';

export interface MountEntry {
  source: string;
  mountPoint: string;
  fsType: string;
  options: string[];
}

/** /proc/mounts (or /etc/mtab): `source mountpoint fstype options dump pass`, octal escapes. */
export function parseMounts(text: string): MountEntry[] | { garbage: string } {
  const out: MountEntry[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    const f = raw.trim().split(/\s+/);
    if (f.length < 4) return { garbage: `line ${i + 1} has fewer than 4 fields` };
    const unescape = (s: string) =>
      s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    out.push({
      source: unescape(f[0] as string),
      mountPoint: unescape(f[1] as string),
      fsType: f[2] as string,
      options: (f[3] as string).split(','),
    });
  }
  if (out.length === 0) return { garbage: 'empty' };
  return out;
}

/** The mount holding `path`: the longest mount point that is a prefix; the last one mounted wins. */
export function mountFor(mounts: MountEntry[], path: string): MountEntry | null {
  const p = posix.normalize(path);
  let best: MountEntry | null = null;
  for (const m of mounts) {
    const mp = m.mountPoint;
    const under = mp === '/' || p === mp || p.startsWith(`${mp}/`);
    if (under && (!best || mp.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/**
 * `df -Pk` / `df -k` output (as an sosreport keeps it): mount point → available bytes. This lets
 * a sysroot copied from a host carry the host's free space, which statfs on the copy cannot.
 */
export function parseDf(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split('\n');
  const header = lines[0] ?? '';
  const kib = /1K-blocks|1024-blocks/i.test(header);
  if (!/Avail/i.test(header)) return out;
  for (const raw of lines.slice(1)) {
    const f = raw.trim().split(/\s+/);
    if (f.length < 6) continue;
    const avail = Number(f[3]);
    const mp = f.slice(5).join(' ');
    if (Number.isFinite(avail) && mp.startsWith('/')) out.set(mp, avail * (kib ? 1024 : 1));
  }
  return out;
}
