const MiB = 1024 * 1024;

/** S3 allows at most 10 000 parts per upload, each but the last at least 5 MiB, at most 5 GiB. */
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * 1024 * MiB;

/**
 * Size of part `n` (1-based). With a known total, one size big enough for 10 000 parts. With an
 * unknown total, `base` for the first 2000 parts, then doubling every 2000 parts: memory stays
 * at `base` for ordinary dumps (31 GiB with 16 MiB parts) and the limit still reaches ~970 GiB.
 */
export function partSizeFor(n: number, base: number, totalSize: number | undefined): number {
  if (totalSize !== undefined) {
    const needed = Math.ceil(totalSize / MAX_PARTS / MiB) * MiB;
    return Math.min(MAX_PART_SIZE, Math.max(base, needed));
  }
  return Math.min(MAX_PART_SIZE, base * 2 ** Math.floor((n - 1) / 2000));
}

/**
 * Cuts a byte stream into parts of `sizeFor(n)` bytes (the last one shorter). Only one part
 * is being filled at a time; the caller's pace sets how fast the body is read. An empty body
 * yields one empty part.
 */
export async function* cutParts(
  body: AsyncIterable<Buffer | Uint8Array | string>,
  sizeFor: (n: number) => number,
): AsyncGenerator<Buffer> {
  let n = 1;
  let part = Buffer.allocUnsafe(sizeFor(n));
  let filled = 0;
  for await (const c of body) {
    const chunk = typeof c === 'string' ? Buffer.from(c) : c;
    let at = 0;
    while (at < chunk.length) {
      const k = Math.min(part.length - filled, chunk.length - at);
      part.set(chunk.subarray(at, at + k), filled);
      filled += k;
      at += k;
      if (filled === part.length) {
        yield part;
        n++;
        part = Buffer.allocUnsafe(sizeFor(n));
        filled = 0;
      }
    }
  }
  if (filled > 0 || n === 1) yield part.subarray(0, filled);
}
