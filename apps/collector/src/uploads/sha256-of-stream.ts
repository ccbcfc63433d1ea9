import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/** Size and sha256 of a byte stream, consumed chunk by chunk (never buffered whole). */
export async function sha256OfStream(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}
