import { describe, expect, it } from 'vitest';
import { AccessTokens } from './access.js';
import { BearerTokenSet, bearerToken } from './bearer-tokens.js';

describe('bearer tokens', () => {
  it('extracts the token of a Bearer header only', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc  ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
  it('matches exact tokens of any length, nothing else', () => {
    const set = new BearerTokenSet(['first-token-0123456789', 'second-token-0123456789xyz']);
    expect(set.matches('first-token-0123456789')).toBe(true);
    expect(set.matches('second-token-0123456789xyz')).toBe(true);
    expect(set.matches('first-token-012345678')).toBe(false);
    expect(set.matches('')).toBe(false);
    expect(set.matches(null)).toBe(false);
  });
  it('tells admin from uploader', () => {
    const a = new AccessTokens(['upload-token-0123456789'], 'admin-token-0123456789');
    expect(a.roleOf('admin-token-0123456789')).toBe('admin');
    expect(a.roleOf('upload-token-0123456789')).toBe('uploader');
    expect(a.roleOf('nope')).toBeNull();
  });
});
