import { SizeSyntaxError } from '../errors.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

const SUFFIX: Record<string, number> = {
  k: KiB,
  m: MiB,
  g: GiB,
  t: TiB,
  p: TiB * 1024,
  e: TiB * 1024 * 1024,
};

/**
 * Reads a number with an optional memparse suffix at `text[start]`, as the kernel's `memparse()`
 * does: decimal or `0x` hex, then one of K M G T P E (either case). Returns null when there is
 * no number there.
 */
export function scanSize(text: string, start: number): { bytes: number; end: number } | null {
  const m = /^(0x[0-9a-fA-F]+|[0-9]+)([kKmMgGtTpPeE]?)/.exec(text.slice(start));
  if (!m || m[1] === undefined) return null;
  const n = m[1].startsWith('0x') ? parseInt(m[1].slice(2), 16) : parseInt(m[1], 10);
  const mult = m[2] ? (SUFFIX[m[2].toLowerCase()] ?? 1) : 1;
  const bytes = n * mult;
  if (!Number.isSafeInteger(bytes)) return null;
  return { bytes, end: start + m[0].length };
}

/** `256M` → bytes; throws SizeSyntaxError on anything else. */
export function parseSize(text: string): number {
  const t = text.trim();
  const s = scanSize(t, 0);
  if (!s || s.end !== t.length) throw new SizeSyntaxError(text);
  return s.bytes;
}

/** Shortest exact kernel-style spelling: 268435456 → `256M`, 1536 MiB → `1536M`. */
export function formatSize(bytes: number): string {
  for (const [suffix, mult] of [
    ['G', GiB],
    ['M', MiB],
    ['K', KiB],
  ] as const) {
    if (bytes >= mult && bytes % mult === 0) return `${bytes / mult}${suffix}`;
  }
  return String(bytes);
}

/** Human form for messages: 1.5 GiB, 200 MiB. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function roundUp(bytes: number, unit: number): number {
  return Math.ceil(bytes / unit) * unit;
}
