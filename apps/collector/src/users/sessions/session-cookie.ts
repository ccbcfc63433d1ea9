import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'kdf_session';

/** The value of one cookie from the Cookie header (first occurrence), or null. */
export function cookieValue(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{1,128}$/.test(raw) ? raw : null;
  }
  return null;
}

/**
 * Whether the browser reached us over TLS: directly (the socket is a TLSSocket) or through a
 * proxy that says so. Decides the cookie's `Secure` flag.
 */
export function overTls(req: IncomingMessage): boolean {
  const socket = req.socket as { encrypted?: boolean };
  if (socket.encrypted) return true;
  const proto = req.headers['x-forwarded-proto'];
  return (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim() === 'https';
}

/** HttpOnly (no script reads it), SameSite=Strict (no cross-site sends), Secure under TLS. */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}
