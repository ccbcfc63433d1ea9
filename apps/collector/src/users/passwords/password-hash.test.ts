import { describe, expect, it } from 'vitest';
import { hashPassword, PasswordHashError, verifyPassword } from './password-hash.js';

describe('scrypt password hashes', () => {
  it('verifies the right password only, with a fresh salt per hash', async () => {
    const h = await hashPassword('correct horse battery');
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    await expect(verifyPassword('correct horse battery', h)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', h)).resolves.toBe(false);
    await expect(verifyPassword('', h)).resolves.toBe(false);
    expect(await hashPassword('correct horse battery')).not.toBe(h);
  });

  it('treats canonically equal Unicode spellings as one password', async () => {
    const h = await hashPassword('caf\u00e9-password');
    await expect(verifyPassword('cafe\u0301-password', h)).resolves.toBe(true);
  });

  it('rejects a malformed stored hash with a typed error', async () => {
    await expect(verifyPassword('x', 'bcrypt$whatever')).rejects.toBeInstanceOf(PasswordHashError);
    await expect(
      verifyPassword('x', 'scrypt$0$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA=='),
    ).rejects.toThrow(/params/);
  });
});
