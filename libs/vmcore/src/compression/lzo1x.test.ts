import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lzoCompressPages } from '../testing/lzo.js';
import { Lzo1xError, lzo1xDecompress } from './lzo1x.js';

describe('lzo1xDecompress', () => {
  it('decodes a hand-assembled stream: first-byte literal run, M2/M3/M4 matches, trailing literals, end marker', () => {
    // "abcd" as first-byte literals (17 + 4), then an M2 match copying "abcd" again
    // (t=0x6c: length (0x6c>>5)+1 = 4, distance 1 + ((0x6c>>2)&7) + (0<<3) = 4, 0 trailing literals),
    // then the end marker 0x11 0x00 0x00.
    const stream = Uint8Array.from([21, 0x61, 0x62, 0x63, 0x64, 0x6c, 0x00, 0x11, 0x00, 0x00]);
    expect(new TextDecoder().decode(lzo1xDecompress(stream, 64))).toBe('abcdabcd');
  });

  it('rejects look-behind before the start, output overrun and missing end marker', () => {
    // M2 with distance 8 after only 4 bytes of output
    expect(() =>
      lzo1xDecompress(Uint8Array.from([21, 1, 2, 3, 4, 0x7c, 0x00, 0x11, 0, 0]), 64),
    ).toThrow(Lzo1xError);
    expect(() =>
      lzo1xDecompress(Uint8Array.from([21, 1, 2, 3, 4, 0x6c, 0x00, 0x11, 0, 0]), 6),
    ).toThrow(/output overrun/);
    expect(() => lzo1xDecompress(Uint8Array.from([21, 1, 2, 3, 4]), 64)).toThrow(/input overrun/);
  });

  const samples = [
    new Uint8Array(4096),
    Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24),
    Uint8Array.from({ length: 4096 }, (_, i) =>
      'the quick brown fox jumps over the lazy dog '.charCodeAt(i % 44),
    ),
    Uint8Array.from({ length: 4096 }, (_, i) => (i % 97 < 60 ? 0 : i & 0xff)),
  ];
  const real = lzoCompressPages(samples);
  if (!real)
    console.warn(
      'python3-lzo is not installed (apt-get install python3-lzo): liblzo round-trip tests skipped',
    );

  it.skipIf(!real)('decodes liblzo2 lzo1x_1 output exactly', () => {
    samples.forEach((s, i) => expect(lzo1xDecompress(real![i]!, 4096)).toEqual(s));
  });

  it.skipIf(!real)(
    'never throws anything but Lzo1xError on corrupted input, and never exceeds maxOutput',
    () => {
      fc.assert(
        fc.property(
          fc.nat(real!.length - 1),
          fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }),
          (which, flips) => {
            const input = Uint8Array.from(real![which]!);
            for (const [pos, val] of flips) input[pos % input.length] = val;
            try {
              expect(lzo1xDecompress(input, 4096).length).toBeLessThanOrEqual(4096);
            } catch (e) {
              expect(e).toBeInstanceOf(Lzo1xError);
            }
          },
        ),
        { numRuns: 500 },
      );
    },
  );
});
