import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change nothing and need no CSRF proof. */
export function isSafeMethod(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

export class CsrfError extends Error {
  readonly code = 'CSRF_REJECTED';
  constructor(
    readonly field: 'origin' | 'x-csrf-token',
    message: string,
  ) {
    super(message);
    this.name = 'CsrfError';
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sameDigest(a: string, b: string): boolean {
  const d = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(d(a), d(b));
}

/**
 * Two independent checks on a state-changing request made with a session cookie:
 * 1. Origin (or Referer) when the browser sends one must be this very host — a forged form post
 *    from another site fails here even before the token is looked at;
 * 2. the synchronizer token: `X-CSRF-Token` must equal the session's token, which only a page
 *    of ours can read (it comes from `GET /api/v1/session`, a same-origin JSON response).
 */
export function checkCsrf(req: IncomingMessage, sessionToken: string): void {
  checkOrigin(req);
  const presented = header(req, CSRF_HEADER);
  if (!presented) throw new CsrfError('x-csrf-token', 'X-CSRF-Token header is required');
  if (!sameDigest(presented, sessionToken))
    throw new CsrfError('x-csrf-token', 'X-CSRF-Token does not match the session');
}

/** The Origin (else Referer) of a request, when the browser sent one, must be this host. */
export function checkOrigin(req: IncomingMessage): void {
  const host = header(req, 'host');
  const origin = header(req, 'origin') ?? header(req, 'referer');
  if (origin !== undefined && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw new CsrfError('origin', 'Origin header is not a URL');
    }
    if (!host || originHost !== host)
      throw new CsrfError('origin', `cross-site request refused (Origin ${origin})`);
  } else if (origin === 'null') {
    throw new CsrfError('origin', 'cross-site request refused (Origin null)');
  }
}
