import { describe, expect, it } from 'vitest';
import { contentDisposition } from './content-disposition.js';

describe('contentDisposition', () => {
  it('gives plain names as they are', () => {
    expect(contentDisposition('vmcore-web1.zst')).toBe(
      `attachment; filename="vmcore-web1.zst"; filename*=UTF-8''vmcore-web1.zst`,
    );
  });

  it('keeps the exact UTF-8 name in filename* and an ASCII stand-in in filename', () => {
    const h = contentDisposition('дамп "1".zst');
    expect(h).toContain(`filename="____ _1_.zst"`);
    expect(h).toContain(`filename*=UTF-8''%D0%B4%D0%B0%D0%BC%D0%BF%20%221%22.zst`);
  });

  it('cannot be used to inject headers or name directories', () => {
    const h = contentDisposition('../../etc/passwd\r\nSet-Cookie: x');
    expect(h).not.toMatch(/[\r\n]/);
    expect(h).not.toContain('/');
    expect(contentDisposition('')).toContain('filename="download"');
  });
});
