import { open } from 'node:fs/promises';

/** Reads at most `max` bytes of a tool's output file; `truncated` says whether more existed. */
export async function readBounded(
  path: string,
  max: number,
): Promise<{ bytes: Buffer; truncated: boolean } | null> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = (await fh.stat()).size;
    const n = Math.min(size, max);
    const buf = Buffer.alloc(n);
    await fh.read(buf, 0, n, 0);
    if (size <= max) return { bytes: buf, truncated: false };
    const note = Buffer.from(`\n[kdumpfleet: output cut at ${max} of ${size} bytes]\n`);
    return { bytes: Buffer.concat([buf, note]), truncated: true };
  } finally {
    await fh.close();
  }
}

/** Keeps the last `max` characters of a stream of text (for a tool's stderr in a reason). */
export class TailBuffer {
  private text = '';
  constructor(private readonly max = 16_384) {}
  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text.slice(-this.max);
  }
}
