/**
 * makedumpfile's flattened format (`makedumpfile -F`), as written by write_start_flat_header(),
 * write_buffer() and write_end_flat_header() in makedumpfile.c:
 *
 *   struct makedumpfile_header {          // padded with zeros to MAX_SIZE_MDF_HEADER (4096)
 *       char    signature[16];            // "makedumpfile", NUL padded (roundup(12, 8))
 *       int64_t type;                     // big-endian, TYPE_FLAT_HEADER = 1
 *       int64_t version;                  // big-endian, VERSION_FLAT_HEADER = 1
 *   };
 *   then records, each:
 *   struct makedumpfile_data_header {
 *       int64_t offset;                   // big-endian: where the data goes in the rebuilt file
 *       int64_t buf_size;                 // big-endian: bytes of data following this header
 *   };
 *   ...and finally an end marker with offset = buf_size = -1 (END_FLAG_FLAT_HEADER).
 *
 * Big-endian so a dump can be rebuilt on another architecture (`makedumpfile -R`).
 */
export const FLAT_SIGNATURE = 'makedumpfile';
export const FLAT_SIGNATURE_FIELD_SIZE = 16;
export const FLAT_HEADER_SIZE = 4096; // MAX_SIZE_MDF_HEADER
export const FLAT_TYPE = 1n; // TYPE_FLAT_HEADER
export const FLAT_DATA_HEADER_SIZE = 16;
export const FLAT_END_FLAG = -1n; // END_FLAG_FLAT_HEADER

/** True when `head` starts with the flattened-format signature. */
export function hasFlatSignature(head: Uint8Array): boolean {
  if (head.length < FLAT_SIGNATURE_FIELD_SIZE) return false;
  for (let i = 0; i < FLAT_SIGNATURE.length; i++) {
    if (head[i] !== FLAT_SIGNATURE.charCodeAt(i)) return false;
  }
  // the rest of the 16-byte field is NUL padding
  for (let i = FLAT_SIGNATURE.length; i < FLAT_SIGNATURE_FIELD_SIZE; i++) {
    if (head[i] !== 0) return false;
  }
  return true;
}
