/** Outcome of reading an HTTP `Range` header against a resource of `size` bytes. */
export type ByteRangeRequest =
  { kind: 'whole' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * RFC 9110 §14.1.2 single byte ranges: `bytes=a-b`, `bytes=a-` (open-ended), `bytes=-n`
 * (suffix). A malformed header or several ranges are ignored (the whole body is served, which
 * the RFC allows); a well-formed range that starts past the end is unsatisfiable (416).
 */
export function parseByteRange(header: string | undefined, size: number): ByteRangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: 'whole' };
  const [, first, last] = m as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || start >= size) return { kind: 'unsatisfiable' };
  if (last !== '' && Number(last) < start) return { kind: 'whole' };
  return { kind: 'partial', start, end };
}
