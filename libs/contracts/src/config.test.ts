import { describe, expect, it } from 'vitest';
import { parseByteSize, parseDurationMs } from './config.js';

describe('parseDurationMs', () => {
  it('reads units and plain seconds', () => {
    expect(parseDurationMs('24h')).toBe(86_400_000);
    expect(parseDurationMs('30m')).toBe(1_800_000);
    expect(parseDurationMs('90s')).toBe(90_000);
    expect(parseDurationMs('1500ms')).toBe(1500);
    expect(parseDurationMs('2d')).toBe(172_800_000);
    expect(parseDurationMs('3600')).toBe(3_600_000);
    expect(parseDurationMs('1.5h')).toBe(5_400_000);
  });
  it('refuses anything else', () => {
    for (const t of ['', 'soon', '-5m', '5 weeks', '1h30m'])
      expect(parseDurationMs(t), t).toBeNull();
  });
});

describe('parseByteSize', () => {
  it('reads binary and decimal units and plain bytes', () => {
    expect(parseByteSize('256GiB')).toBe(256 * 1024 ** 3);
    expect(parseByteSize('10MB')).toBe(10_000_000);
    expect(parseByteSize('5mib')).toBe(5 * 1024 * 1024);
    expect(parseByteSize('4096')).toBe(4096);
    expect(parseByteSize('1TiB')).toBe(1024 ** 4);
  });
  it('refuses unknown units, negatives and sizes beyond 2^53', () => {
    for (const t of ['lots', '12 parsecs', '-1', '1e3', '99999999TiB'])
      expect(parseByteSize(t), t).toBeNull();
  });
});
