import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from './content-disposition.js';

describe('attachmentDisposition', () => {
  it('keeps plain names in both parameters', () => {
    expect(attachmentDisposition('vmcore-2026.zst')).toBe(
      `attachment; filename="vmcore-2026.zst"; filename*=UTF-8''vmcore-2026.zst`,
    );
  });
  it('encodes non-ASCII and quotes per RFC 5987, with an ASCII fallback', () => {
    const v = attachmentDisposition('dümp "1" 100%.bin');
    expect(v).toContain(`filename="d_mp _1_ 100_.bin"`);
    expect(v).toContain(`filename*=UTF-8''d%C3%BCmp%20%221%22%20100%25.bin`);
  });
});
