import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VmcoreContainerError } from '../errors.js';
import { BufferSource } from '../source/buffer-source.js';
import { openContainer } from './detect.js';
import { FlattenedSource } from './flattened.js';

interface Rec {
  offset: number;
  data: Uint8Array;
}

/** a flattened stream as makedumpfile -F writes it (big-endian record headers, end marker) */
function flatten(records: Rec[], end = true): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(4096);
  header.set(new TextEncoder().encode('makedumpfile'), 0);
  const hv = new DataView(header.buffer);
  hv.setBigInt64(16, 1n, false);
  hv.setBigInt64(24, 1n, false);
  parts.push(header);
  for (const r of records) {
    const h = new Uint8Array(16);
    const v = new DataView(h.buffer);
    v.setBigInt64(0, BigInt(r.offset), false);
    v.setBigInt64(8, BigInt(r.data.length), false);
    parts.push(h, r.data);
  }
  if (end) parts.push(new Uint8Array(16).fill(0xff));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** what makedumpfile -R would rebuild: every record written at its offset, in order */
function rebuild(records: Rec[]): Uint8Array {
  const size = Math.max(0, ...records.map((r) => r.offset + r.data.length));
  const out = new Uint8Array(size);
  for (const r of records) out.set(r.data, r.offset);
  return out;
}

describe('flattened container', () => {
  it('detects the stream and maps out-of-order records to logical offsets', async () => {
    const recs: Rec[] = [
      { offset: 0, data: new TextEncoder().encode('KDUMP   header') },
      { offset: 8192, data: new Uint8Array(100).fill(7) },
      { offset: 4096, data: new Uint8Array(50).fill(5) },
      { offset: 8192 + 50, data: new Uint8Array(10).fill(9) }, // overrides the middle of an earlier record
    ];
    const opened = await openContainer(new BufferSource(flatten(recs)));
    expect(opened.container).toBe('flattened');
    const src = opened.source;
    expect(src.size).toBe(8192 + 100);
    expect(await src.read(0, src.size)).toEqual(rebuild(recs));
    expect((src as FlattenedSource).recordCount).toBe(4);
  });

  it('equals a makedumpfile -R style rebuild for any record order and overlap', async () => {
    const rec = fc.record({
      offset: fc.nat(5000),
      data: fc.uint8Array({ minLength: 1, maxLength: 300 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(rec, { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.nat(400),
        async (recs, at, len) => {
          const src = await FlattenedSource.open(new BufferSource(flatten(recs)));
          const expected = rebuild(recs);
          expect(src.size).toBe(expected.length);
          const off = at % (expected.length + 1);
          expect(await src.read(off, len)).toEqual(
            expected.subarray(off, Math.min(off + len, expected.length)),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('indexes by reading record headers only', async () => {
    const recs: Rec[] = Array.from({ length: 20 }, (_, i) => ({
      offset: i * 65536,
      data: new Uint8Array(65536).fill(i),
    }));
    const raw = new BufferSource(flatten(recs));
    await FlattenedSource.open(raw);
    expect(raw.bytesRead).toBeLessThan(32 + 21 * 16 + 1);
  });

  it('keeps what arrived of a stream cut short (no end marker, or inside a record) and says so', async () => {
    const recs: Rec[] = [{ offset: 0, data: new Uint8Array(10).fill(1) }];
    const whole = await FlattenedSource.open(new BufferSource(flatten(recs)));
    expect(whole.truncated).toBe(false);
    const noEnd = await FlattenedSource.open(new BufferSource(flatten(recs, false)));
    expect(noEnd.truncated).toBe(true);
    expect(await noEnd.read(0, 10)).toEqual(new Uint8Array(10).fill(1));
    const cut = await FlattenedSource.open(
      new BufferSource(flatten(recs, false).subarray(0, 4096 + 16 + 5)),
    );
    expect(cut.truncated).toBe(true);
    expect(cut.size).toBe(5);
    // a header with no records at all is no dump
    await expect(FlattenedSource.open(new BufferSource(flatten([], false)))).rejects.toBeInstanceOf(
      VmcoreContainerError,
    );
    const bad = flatten(recs);
    new DataView(bad.buffer).setBigInt64(4096, -5n, false);
    await expect(FlattenedSource.open(new BufferSource(bad))).rejects.toMatchObject({
      code: 'BAD_FLATTENED',
      offset: 4096,
    });
  });
});
