import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ArrivalDigests } from './arrival-digest.js';

// What an instance knows about an upload is only what passed through it: a chain of PATCHes
// that moved to another instance (or skipped bytes) must not yield a digest.
async function send(d: ArrivalDigests, id: string, offset: number, bytes: Buffer, ok = true) {
  const o = d.observe(id, offset, Readable.from([bytes]));
  await pipeline(o.body, new Writable({ write: (_c, _e, done) => done() }));
  o.settle(ok ? offset + bytes.length : null);
}

describe('ArrivalDigests', () => {
  const bytes = randomBytes(3000);
  const whole = createHash('sha256').update(bytes).digest('hex');

  it('gives the sha256 when one unbroken chain saw every byte', async () => {
    const d = new ArrivalDigests();
    await send(d, 'u', 0, bytes.subarray(0, 1000));
    await send(d, 'u', 1000, bytes.subarray(1000));
    expect(d.take('u', 3000)).toBe(whole);
    expect(d.take('u', 3000)).toBeNull(); // consumed
  });

  it('gives nothing when another instance took the middle PATCH (the caller reads back)', async () => {
    const a = new ArrivalDigests();
    await send(a, 'u', 0, bytes.subarray(0, 1000));
    // bytes [1000, 2000) went to instance B; A sees the last PATCH only
    await send(a, 'u', 2000, bytes.subarray(2000));
    expect(a.take('u', 3000)).toBeNull();
    const b = new ArrivalDigests();
    await send(b, 'u', 1000, bytes.subarray(1000, 2000));
    expect(b.take('u', 3000)).toBeNull();
  });

  it('gives nothing after a failed write, or when the size does not match', async () => {
    const d = new ArrivalDigests();
    await send(d, 'u', 0, bytes.subarray(0, 1000), false);
    await send(d, 'u', 1000, bytes.subarray(1000));
    expect(d.take('u', 3000)).toBeNull();
    await send(d, 'v', 0, bytes);
    expect(d.take('v', 4000)).toBeNull();
  });
});
