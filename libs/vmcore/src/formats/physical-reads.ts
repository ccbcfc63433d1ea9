import { VmcoreFormatError } from '../errors.js';
import { LIMITS } from './dump-format.js';

/**
 * Split a physical read into per-page pieces and assemble them; `readPage` returns a whole
 * page (or throws PageNotPresentError).
 */
export async function readAcrossPages(
  paddr: bigint,
  length: number,
  pageSize: number,
  readPage: (pfn: number) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(length) || length < 0 || length > LIMITS.maxReadLength) {
    throw new VmcoreFormatError('LIMIT_EXCEEDED', `physical read of ${length} bytes refused`, {
      field: 'length',
    });
  }
  if (paddr < 0n || paddr + BigInt(length) > 1n << 52n) {
    throw new VmcoreFormatError(
      'OUT_OF_BOUNDS',
      `physical address 0x${paddr.toString(16)} is out of range`,
      {
        field: 'paddr',
      },
    );
  }
  const out = new Uint8Array(length);
  const ps = BigInt(pageSize);
  let done = 0;
  while (done < length) {
    const addr = paddr + BigInt(done);
    const pfn = Number(addr / ps);
    const inPage = Number(addr % ps);
    const n = Math.min(pageSize - inPage, length - done);
    const page = await readPage(pfn);
    out.set(page.subarray(inPage, inPage + n), done);
    done += n;
  }
  return out;
}
