/** /proc/meminfo as bytes per key (`MemTotal`, `MemFree`, `Cached`, …). */
export type Meminfo = Record<string, number>;

export function parseMeminfo(text: string): Meminfo | { garbage: string } {
  const out: Meminfo = {};
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(raw);
    if (!m)
      return { garbage: `line ${i + 1} is not 'Key: N kB': ${JSON.stringify(raw.slice(0, 60))}` };
    const kb = raw.trimEnd().endsWith('kB');
    out[m[1] as string] = Number(m[2]) * (kb ? 1024 : 1);
  }
  if (out.MemTotal === undefined) return { garbage: 'no MemTotal line' };
  return out;
}
