import { describe, expect, it } from 'vitest';
import { formatRecord } from './format-record.js';

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('formatRecord (makedumpfile --dump-dmesg format)', () => {
  it('prints the timestamp as [%5lld.%06ld]', () => {
    expect(formatRecord(5_123_456_789n, bytes('hello'))).toBe('[    5.123456] hello\n');
    expect(formatRecord(123_456_000_000_000n, bytes('x'))).toBe('[123456.000000] x\n');
  });
  it('indents continuation lines by the prefix width', () => {
    expect(formatRecord(0n, bytes('a\nb'))).toBe('[    0.000000] a\n               b\n');
  });
  it('escapes non-printable bytes like makedumpfile (signed char for bytes ≥ 0x80)', () => {
    expect(formatRecord(0n, Uint8Array.from([0x41, 0x01, 0x09, 0x7f, 0xc3, 0xa9]))).toBe(
      '[    0.000000] A\\x01\t\\x7f\\xffffffc3\\xffffffa9\n',
    );
  });
  it('adds the caller id when asked (makedumpfile ≥ 1.7.5 style)', () => {
    expect(formatRecord(0n, bytes('x'), 123)).toBe('[    0.000000] [  T123] x\n');
    expect(formatRecord(0n, bytes('x'), 0x80000001)).toBe('[    0.000000] [    C1] x\n');
  });
});
