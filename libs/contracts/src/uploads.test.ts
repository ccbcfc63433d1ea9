import { describe, expect, it } from 'vitest';
import { sanitizeFilename, uploadMetadataSchema } from './uploads.js';

const good = {
  filename: 'vmcore',
  node: 'web-01.example',
  sha256: 'AB'.repeat(32),
  encoding: 'zstd',
};

describe('upload metadata', () => {
  it('accepts a complete set and normalises sha256 to lower case', () => {
    const m = uploadMetadataSchema.parse({
      ...good,
      kernel_release: '6.1.0-56-cloud-amd64',
      captured_at: '2026-11-23T08:41:57Z',
    });
    expect(m.sha256).toBe('ab'.repeat(32));
    expect(m.kernel_release).toBe('6.1.0-56-cloud-amd64');
  });
  it('names the field at fault', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, sha256: 'abc' }, 'sha256'],
      [{ ...good, encoding: 'gzip' }, 'encoding'],
      [{ ...good, node: 'has space' }, 'node'],
      [{ ...good, captured_at: '23/11/2026' }, 'captured_at'],
      [{ ...good, filename: 'a\u0000b' }, 'filename'],
      [{ ...good, kernel_release: 'with space' }, 'kernel_release'],
    ];
    for (const [input, field] of cases) {
      const r = uploadMetadataSchema.safeParse(input);
      expect(r.success, field).toBe(false);
      expect(r.error?.issues[0]?.path[0]).toBe(field);
    }
  });
  it('keeps only the last path component of a file name', () => {
    expect(sanitizeFilename('/var/crash/202611230841/vmcore')).toBe('vmcore');
    expect(sanitizeFilename('..\\..\\evil')).toBe('evil');
    expect(sanitizeFilename('../..')).toBe('vmcore');
    expect(sanitizeFilename('dump\u0007.zst')).toBe('dump.zst');
  });
});
