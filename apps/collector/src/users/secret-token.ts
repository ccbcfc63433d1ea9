import { createHash, randomBytes } from 'node:crypto';

/**
 * 256-bit random secrets (sessions, enrollment and node tokens) and the sha256 digests the
 * database keeps instead. A fast hash is enough here (unlike passwords): the secret has 256 bits
 * of entropy, nothing to brute-force.
 */
export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function nowIso(now: number = Date.now()): string {
  return new Date(now).toISOString();
}
