import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ObjectKeyError, ObjectMetadataError } from './errors.js';
import { checkRange, validateMetadata, validateObjectKey } from './object-key.js';

describe('validateObjectKey', () => {
  it('accepts relative names', () => {
    for (const k of ['a', 'dumps/2024/vmcore.zst', 'a b/c-d_e.f', 'ядро/x', 'x.', 'a/.hidden']) {
      expect(() => validateObjectKey(k)).not.toThrow();
    }
  });

  it('names the reason for each rejection', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['../x', /"\.\." path segment/],
      ['a/..', /"\.\." path segment/],
      ['/abs', /absolute/],
      ['a\0b', /control character/],
      ['a\nb', /control character/],
      ['a//b', /empty path segment/],
      ['.meta/x', /reserved/],
      ['a\\..\\b', /backslash/],
      ['é'.repeat(513), /1024 bytes/],
    ];
    for (const [k, reason] of cases) {
      const err = (() => {
        try {
          validateObjectKey(k);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, JSON.stringify(k)).toBeInstanceOf(ObjectKeyError);
      expect((err as ObjectKeyError).message).toMatch(reason);
      expect((err as ObjectKeyError).code).toBe('INVALID_KEY');
    }
  });

  it('never accepts a key whose segments include ".." or that starts with "/"', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '..', '.', '', 'b c', '\0', 'x/y')), (parts) => {
        const k = parts.join('/');
        let ok = true;
        try {
          validateObjectKey(k);
        } catch (e) {
          expect(e).toBeInstanceOf(ObjectKeyError);
          ok = false;
        }
        if (ok) {
          expect(k.split('/')).not.toContain('..');
          expect(k.startsWith('/')).toBe(false);
          expect(k.includes('\0')).toBe(false);
        }
      }),
    );
  });
});

describe('validateMetadata', () => {
  it('accepts lower-case keys and printable ASCII values only', () => {
    expect(() => validateMetadata({ node: 'web-1', sha256: 'ab'.repeat(32) })).not.toThrow();
    expect(() => validateMetadata({ Node: 'x' })).toThrow(ObjectMetadataError);
    expect(() => validateMetadata({ 'x-amz-meta-a': 'x' })).toThrow(/reserved/);
    expect(() => validateMetadata({ a: 'tab\there' })).toThrow(ObjectMetadataError);
  });
});

describe('checkRange', () => {
  it('defaults and validates', () => {
    expect(checkRange(undefined, undefined)).toEqual({ start: 0 });
    expect(checkRange(5, 5)).toEqual({ start: 5, end: 5 });
    expect(() => checkRange(1.5, undefined)).toThrow(RangeError);
    expect(() => checkRange(6, 5)).toThrow(RangeError);
  });
});
