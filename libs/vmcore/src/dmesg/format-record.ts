/**
 * One log record formatted the way `makedumpfile --dump-dmesg` (1.7.x, printk.c dump_record()
 * and makedumpfile.c dump_log_entry()) prints it:
 *
 *   "[%5lld.%06ld] " seconds.microseconds, then the text byte by byte:
 *   - '\n' inside the text → newline + as many spaces as the "[    5.123456] " prefix is long;
 *   - bytes for which isprint() or isspace() holds (C locale: 0x20..0x7e, \t \n \v \f \r) as is;
 *   - anything else as "\x%02x" of a *signed* char, so bytes ≥ 0x80 print as "\xffffffc3";
 *   then '\n'.
 *
 * The optional caller id ("[  T123] ") is what makedumpfile ≥ 1.7.5 adds when printk_info has
 * caller_id; off by default to match 1.7.2 (Debian 12), which wrote the fixtures' dmesg.txt.
 */
export function formatRecord(tsNsec: bigint, text: Uint8Array, callerId?: number): string {
  const secs = tsNsec / 1_000_000_000n;
  const usec = (tsNsec % 1_000_000_000n) / 1000n;
  let prefix = `[${secs.toString().padStart(5, ' ')}.${usec.toString().padStart(6, '0')}] `;
  if (callerId !== undefined) {
    const cid = `${callerId & 0x80000000 ? 'C' : 'T'}${(callerId & 0x7fffffff) >>> 0}`;
    prefix += `[${cid.padStart(6, ' ')}] `;
  }
  const indent = '\n' + ' '.repeat(prefix.length);
  let out = prefix;
  let run = 0; // start of a run of plain bytes, copied in one go
  const flush = (end: number): void => {
    if (end > run) out += String.fromCharCode(...text.subarray(run, end));
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === 0x0a) {
      flush(i);
      out += indent;
      run = i + 1;
    } else if ((c >= 0x20 && c <= 0x7e) || (c >= 0x09 && c <= 0x0d)) {
      continue;
    } else {
      flush(i);
      out +=
        c >= 0x80
          ? `\\xffffff${c.toString(16).padStart(2, '0')}`
          : `\\x${c.toString(16).padStart(2, '0')}`;
      run = i + 1;
    }
  }
  flush(text.length);
  return out + '\n';
}
