import { describe, expect, it } from 'vitest';
import { BufferSource } from './buffer-source.js';
import { FORWARD_SCAN_FIRST_BLOCK, ForwardScan } from './forward-scan.js';
import { RangedReadSource } from './ranged-read-source.js';

/** a ranged source over `bytes` that records every request */
function counted(bytes: Uint8Array, readAhead?: number) {
  const calls: { offset: number; length: number }[] = [];
  const src = new RangedReadSource(
    bytes.length,
    (offset, length) => {
      calls.push({ offset, length });
      return Promise.resolve(bytes.slice(offset, offset + length));
    },
    'counted',
    undefined,
    readAhead === undefined ? {} : { readAhead },
  );
  return { src, calls };
}

const data = Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 7 + (i >> 11)) & 0xff);

describe('ForwardScan', () => {
  it('serves a dense forward scan from blocks that double up to readAhead', async () => {
    const { src, calls } = counted(data, 1024 * 1024);
    const scan = new ForwardScan(src);
    for (let at = 0; at + 16 <= data.length; at += 5000) {
      expect(await scan.read(at, 16)).toEqual(data.subarray(at, at + 16));
    }
    const lengths = calls.map((c) => c.length);
    expect(lengths.slice(0, 5)).toEqual([64, 128, 256, 512, 1024].map((k) => k * 1024));
    expect(Math.max(...lengths)).toBe(1024 * 1024); // never beyond readAhead: bounded memory
    expect(calls.length).toBeLessThan(10); // instead of 630 one-header reads
    expect(scan.fetches).toBe(calls.length);
  });

  it('falls back to a small block after a jump, so sparse items cost little', async () => {
    const { src, calls } = counted(data);
    const scan = new ForwardScan(src);
    // items 1 MiB apart: the bytes between them are not worth fetching
    for (let at = 0; at < data.length; at += 1024 * 1024) await scan.read(at, 16);
    expect(calls.map((c) => c.length)).toEqual([1, 2, 3].map(() => FORWARD_SCAN_FIRST_BLOCK));
  });

  it('reads each item on its own from a source without read-ahead (local files)', async () => {
    const scan = new ForwardScan(new BufferSource(data));
    expect(await scan.read(100, 16)).toEqual(data.subarray(100, 116));
    expect(await scan.read(116, 16)).toEqual(data.subarray(116, 132));
    expect(scan.fetches).toBe(2);
    const { src, calls } = counted(data, 0);
    const off = new ForwardScan(src);
    await off.read(0, 16);
    await off.read(16, 16);
    expect(calls).toEqual([
      { offset: 0, length: 16 },
      { offset: 16, length: 16 },
    ]);
  });

  it('returns what there is at the end of the source', async () => {
    const { src } = counted(data);
    const scan = new ForwardScan(src);
    expect((await scan.read(data.length - 10, 16)).length).toBe(10);
    expect((await scan.read(data.length, 16)).length).toBe(0);
  });

  it('refuses a bad readAhead', () => {
    expect(() => counted(data, -1)).toThrow(RangeError);
  });
});
