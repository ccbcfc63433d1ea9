/**
 * A bounds-checked LZO1X decompressor (the format of liblzo2's lzo1x_1_compress, which
 * makedumpfile -l uses per page). Hand-written because no maintained npm package decodes LZO1X
 * safely; it follows the structure of the Linux kernel's lib/lzo/lzo1x_decompress_safe.c.
 *
 * Every read of the input and every write/back-reference of the output is checked: malformed
 * input throws Lzo1xError, and the output never grows beyond `maxOutput`.
 *
 * Instruction summary (t = instruction byte, state = literals copied after the previous op):
 *   first byte > 17          literal run of t-17 bytes
 *   0..15,  state 0          literal run: 3 + t (t = 0: 18 + 255·zeros + next byte)
 *   0..15,  state 1..3       2-byte match, distance 1 + (t>>2) + (next<<2)
 *   0..15,  state 4          3-byte match, distance 2049 + (t>>2) + (next<<2)
 *   16..31  (M4)             match, len (t&7)+2 (0: extended), distance 16384 + ((t&8)<<11) + (le16>>2);
 *                            distance exactly 16384 is the end-of-stream marker
 *   32..63  (M3)             match, len (t&31)+2 (0: extended), distance 1 + (le16>>2)
 *   64..255 (M2)             match, len (t>>5)+1, distance 1 + ((t>>2)&7) + (next<<3)
 *   after a match, the low 2 bits of its last distance byte give 0..3 trailing literals.
 */
export class Lzo1xError extends Error {
  override readonly name = 'Lzo1xError';
  constructor(
    readonly code: 'INPUT_OVERRUN' | 'OUTPUT_OVERRUN' | 'LOOKBEHIND_OVERRUN' | 'NO_END_MARKER',
    readonly inputOffset: number,
  ) {
    super(`lzo1x: ${code.toLowerCase().replace(/_/g, ' ')} at input offset ${inputOffset}`);
  }
}

export function lzo1xDecompress(input: Uint8Array, maxOutput: number): Uint8Array {
  const out = new Uint8Array(maxOutput);
  const inLen = input.length;
  let ip = 0;
  let op = 0;
  let state = 0;

  const byte = (): number => {
    if (ip >= inLen) throw new Lzo1xError('INPUT_OVERRUN', ip);
    return input[ip++]!;
  };
  const copyLiterals = (n: number): void => {
    if (ip + n > inLen) throw new Lzo1xError('INPUT_OVERRUN', ip);
    if (op + n > maxOutput) throw new Lzo1xError('OUTPUT_OVERRUN', ip);
    out.set(input.subarray(ip, ip + n), op);
    ip += n;
    op += n;
  };
  const copyMatch = (distance: number, n: number): void => {
    const from = op - distance;
    if (from < 0) throw new Lzo1xError('LOOKBEHIND_OVERRUN', ip);
    if (op + n > maxOutput) throw new Lzo1xError('OUTPUT_OVERRUN', ip);
    // byte by byte: a match may overlap the bytes it produces (run-length style)
    for (let i = 0; i < n; i++) out[op + i] = out[from + i]!;
    op += n;
  };
  /** length extension: each zero byte adds 255, then the next byte */
  const extend = (base: number): number => {
    let n = base;
    for (;;) {
      const b = byte();
      if (b !== 0) return n + b;
      n += 255;
      if (n > maxOutput + 255) throw new Lzo1xError('OUTPUT_OVERRUN', ip);
    }
  };

  if (inLen === 0) throw new Lzo1xError('INPUT_OVERRUN', 0);
  if (input[0]! > 17) {
    const t = byte() - 17;
    copyLiterals(t);
    state = t < 4 ? t : 4;
  }

  for (;;) {
    const t = byte();
    let length: number;
    let distance: number;
    let next: number;
    if (t < 16) {
      if (state === 0) {
        const n = t === 0 ? extend(15) + 3 : t + 3;
        copyLiterals(n);
        state = 4;
        continue;
      }
      const b = byte();
      next = t & 3;
      if (state !== 4) {
        length = 2;
        distance = 1 + (t >> 2) + (b << 2);
      } else {
        length = 3;
        distance = 1 + 0x800 + (t >> 2) + (b << 2);
      }
    } else if (t >= 64) {
      const b = byte();
      next = t & 3;
      length = (t >> 5) + 1;
      distance = 1 + ((t >> 2) & 7) + (b << 3);
    } else if (t >= 32) {
      length = (t & 31) === 0 ? extend(31) + 2 : (t & 31) + 2;
      const lo = byte();
      const hi = byte();
      const le16 = lo | (hi << 8);
      next = le16 & 3;
      distance = 1 + (le16 >> 2);
    } else {
      length = (t & 7) === 0 ? extend(7) + 2 : (t & 7) + 2;
      const lo = byte();
      const hi = byte();
      const le16 = lo | (hi << 8);
      next = le16 & 3;
      distance = ((t & 8) << 11) + (le16 >> 2);
      if (distance === 0) {
        // end of stream: the marker is 0x11 0x00 0x00 (length 3)
        if (length !== 3) throw new Lzo1xError('NO_END_MARKER', ip);
        return out.subarray(0, op);
      }
      distance += 0x4000;
    }
    copyMatch(distance, length);
    state = next;
    if (next > 0) copyLiterals(next);
  }
}
