import { inflateSync } from 'node:zlib';
import snappy from 'snappyjs';
import zstdBinding from 'zstd-napi/binding.js';
import { lzo1xDecompress } from './lzo1x.js';

export type PageCompression = 'none' | 'zlib' | 'lzo' | 'snappy' | 'zstd';

let zstdCtx: InstanceType<typeof zstdBinding.DCtx> | undefined;

/**
 * Decompress one dumped page. Output is capped at `pageSize`: a page that inflates to more (or,
 * for all but raw pages, to less) is malformed and throws.
 */
export function decompressPage(
  kind: PageCompression,
  data: Uint8Array,
  pageSize: number,
): Uint8Array {
  let out: Uint8Array;
  switch (kind) {
    case 'none':
      out = data;
      break;
    case 'zlib':
      // makedumpfile -c uses compress2(): a zlib stream
      out = inflateSync(data, { maxOutputLength: pageSize });
      break;
    case 'lzo':
      out = lzo1xDecompress(data, pageSize);
      break;
    case 'snappy':
      out = snappy.uncompress(data, pageSize);
      break;
    case 'zstd': {
      // decompress into a page-sized buffer: a hostile frame header cannot make us allocate more
      zstdCtx ??= new zstdBinding.DCtx();
      const buf = new Uint8Array(pageSize);
      const n = zstdCtx.decompress(buf, data);
      out = buf.subarray(0, n);
      break;
    }
  }
  // plain Uint8Array whatever the codec returned (Buffer from zlib)
  if (Buffer.isBuffer(out)) out = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  if (out.length !== pageSize) {
    throw new Error(`${kind} page decompressed to ${out.length} bytes, expected ${pageSize}`);
  }
  return out;
}
