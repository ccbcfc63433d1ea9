/**
 * makedumpfile's page_desc_t: one per dumped pfn, in pfn order, right after the bitmaps.
 *
 *   typedef struct page_desc {
 *   0    off_t              offset;      file offset of the page data (0 = never written)
 *   8    unsigned int       size;        bytes of page data
 *   12   unsigned int       flags;       DUMP_DH_COMPRESSED_* of this page (0 = raw)
 *   16   unsigned long long page_flags;  struct page flags (unused by readers)
 *   } page_desc_t;                       24 bytes
 */
export const PAGE_DESC_SIZE = 24;

export interface PageDescriptor {
  offset: bigint;
  size: number;
  flags: number;
  pageFlags: bigint;
}

export function parsePageDescriptor(bytes: Uint8Array, at = 0): PageDescriptor {
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, PAGE_DESC_SIZE);
  return {
    offset: v.getBigInt64(0, true),
    size: v.getUint32(8, true),
    flags: v.getUint32(12, true),
    pageFlags: v.getBigUint64(16, true),
  };
}
