import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt password hashes (node:crypto, no native add-on): `scrypt$N$r$p$<salt b64>$<hash b64>`.
 * N=2^15, r=8, p=1 (OWASP's minimum for scrypt is N=2^17 with p=1 or N=2^15 … we keep 2^15 so a
 * login costs ~50 ms on a loaded 2-core box; the parameters travel with the hash, so raising
 * them later only needs new hashes, never a migration).
 */
const N = 1 << 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEM = 64 * 1024 * 1024;

export class PasswordHashError extends Error {
  readonly code = 'PASSWORD_HASH_INVALID';
  constructor(readonly field: string) {
    super(`stored password hash is malformed (${field})`);
    this.name = 'PasswordHashError';
  }
}

function derive(password: string, salt: Buffer, opts: ScryptOptions, len: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, len, opts, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r: R, p: P, maxmem: MAX_MEM }, KEY_LENGTH);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new PasswordHashError('scheme');
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0)) throw new PasswordHashError('params');
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8 || expected.length < 16) throw new PasswordHashError('salt');
  const key = await derive(password, salt, { N: n, r, p, maxmem: MAX_MEM }, expected.length);
  return timingSafeEqual(key, expected);
}

/** A hash of a random password: lets a login for an unknown user cost as much as a real one. */
export const DECOY_HASH_PROMISE: Promise<string> = hashPassword(randomBytes(16).toString('hex'));
