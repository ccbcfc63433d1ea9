import { createSHA256 } from 'hash-wasm';

const SLICE = 8 * 1024 * 1024;

/**
 * sha256 of a File, read in 8 MiB slices (never the whole file in memory). WebCrypto's digest
 * takes one buffer only, so the streaming hash comes from hash-wasm (WebAssembly, ~GB/s class).
 */
export async function sha256OfFile(
  file: Blob,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<string> {
  const hasher = await createSHA256();
  hasher.init();
  for (let offset = 0; offset < file.size; offset += SLICE) {
    const chunk = new Uint8Array(await file.slice(offset, offset + SLICE).arrayBuffer());
    hasher.update(chunk);
    onProgress(Math.min(offset + SLICE, file.size), file.size);
  }
  return hasher.digest('hex');
}

/** zstd frames (plain or seekable) start with 28 b5 2f fd; everything else goes up as is. */
export async function encodingOf(file: Blob): Promise<'zstd' | 'none'> {
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd
    ? 'zstd'
    : 'none';
}
