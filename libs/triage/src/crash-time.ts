/** ISO-8601 UTC at one-second resolution (`2026-11-23T08:41:57Z`), the truth files' format. */
export function isoSeconds(date: Date | null): string | null {
  if (date === null || Number.isNaN(date.getTime())) return null;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
