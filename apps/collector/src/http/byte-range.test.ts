import { describe, expect, it } from 'vitest';
import { parseByteRange } from './byte-range.js';

describe('parseByteRange', () => {
  const size = 1000;
  it('reads closed, open-ended and suffix ranges', () => {
    expect(parseByteRange('bytes=0-99', size)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseByteRange('bytes=900-', size)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(parseByteRange('bytes=-10', size)).toEqual({ kind: 'partial', start: 990, end: 999 });
    expect(parseByteRange('bytes=-5000', size)).toEqual({ kind: 'partial', start: 0, end: 999 });
    expect(parseByteRange('bytes=500-5000', size)).toEqual({
      kind: 'partial',
      start: 500,
      end: 999,
    });
  });
  it('is unsatisfiable past the end or for an empty suffix', () => {
    expect(parseByteRange('bytes=1000-', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=2000-3000', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=-0', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });
  it('ignores what it does not serve: no header, garbage, multiple ranges, reversed', () => {
    for (const h of [
      undefined,
      'items=0-1',
      'bytes=0-1,5-9',
      'bytes=9-1',
      'bytes=-',
      'bytes=a-b',
    ]) {
      expect(parseByteRange(h, size)).toEqual({ kind: 'whole' });
    }
  });
});
