import { z } from 'zod';

/**
 * Human-friendly durations and sizes used in environment variables (collector and agent).
 * Durations: plain seconds (`86400`) or a number with a unit (`30s`, `30m`, `24h`, `7d`).
 * Sizes: plain bytes (`1048576`) or a number with a binary/decimal unit (`256GiB`, `10MB`).
 */

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1000 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** Parses `24h`, `30m`, `90s`, `1500ms`, `2d` or plain seconds; returns milliseconds or null. */
export function parseDurationMs(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = Number(m[1]) * (DURATION_UNITS_MS[unit] ?? NaN);
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/** Parses `256GiB`, `10MB`, `4096` (bytes); returns bytes or null. Safe up to 2^53. */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(text);
  if (!m) return null;
  const factor = SIZE_UNITS[(m[2] ?? 'b').toLowerCase()];
  if (factor === undefined) return null;
  const bytes = Math.floor(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** zod schema: a duration string → milliseconds. */
export const durationMsSchema = z.string().transform((text, ctx) => {
  const ms = parseDurationMs(text);
  if (ms === null) {
    ctx.addIssue({
      code: 'custom',
      message: `not a duration (e.g. 24h, 30m, 90s, 3600): '${text}'`,
    });
    return z.NEVER;
  }
  return ms;
});

/** zod schema: a size string → bytes. */
export const byteSizeSchema = z.string().transform((text, ctx) => {
  const bytes = parseByteSize(text);
  if (bytes === null) {
    ctx.addIssue({ code: 'custom', message: `not a size (e.g. 256GiB, 10MB, 4096): '${text}'` });
    return z.NEVER;
  }
  return bytes;
});
