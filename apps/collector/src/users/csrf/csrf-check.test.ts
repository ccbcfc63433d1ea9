import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkCsrf, checkOrigin, CsrfError, isSafeMethod } from './csrf-check.js';

function req(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}
const TOKEN = 'session-csrf-token-0123456789';

describe('CSRF checks', () => {
  it('accepts the session token from the same origin, or without Origin (non-browser)', () => {
    expect(() =>
      checkCsrf(req({ host: 'c:8080', origin: 'http://c:8080', 'x-csrf-token': TOKEN }), TOKEN),
    ).not.toThrow();
    expect(() => checkCsrf(req({ host: 'c:8080', 'x-csrf-token': TOKEN }), TOKEN)).not.toThrow();
    expect(() =>
      checkCsrf(
        req({ host: 'c:8080', referer: 'http://c:8080/upload', 'x-csrf-token': TOKEN }),
        TOKEN,
      ),
    ).not.toThrow();
  });

  it.each([
    [{ host: 'c:8080', origin: 'http://evil.example', 'x-csrf-token': TOKEN }, 'origin'],
    [{ host: 'c:8080', origin: 'http://c:8081', 'x-csrf-token': TOKEN }, 'origin'],
    [{ host: 'c:8080', origin: 'null', 'x-csrf-token': TOKEN }, 'origin'],
    [{ host: 'c:8080', origin: 'not a url', 'x-csrf-token': TOKEN }, 'origin'],
    [{ host: 'c:8080', origin: 'http://c:8080' }, 'x-csrf-token'],
    [{ host: 'c:8080', 'x-csrf-token': `${TOKEN}x` }, 'x-csrf-token'],
    [{ host: 'c:8080', 'x-csrf-token': '' }, 'x-csrf-token'],
  ])('refuses %j (%s)', (headers, field) => {
    let err: unknown;
    try {
      checkCsrf(req(headers), TOKEN);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CsrfError);
    expect((err as CsrfError).field).toBe(field);
  });

  it('checkOrigin alone needs no token (login)', () => {
    expect(() => checkOrigin(req({ host: 'c', origin: 'http://c' }))).not.toThrow();
    expect(() => checkOrigin(req({ host: 'c', origin: 'http://d' }))).toThrow(CsrfError);
  });

  it('only GET, HEAD and OPTIONS are safe', () => {
    expect(['GET', 'HEAD', 'OPTIONS'].every(isSafeMethod)).toBe(true);
    expect(['POST', 'PUT', 'PATCH', 'DELETE', undefined].some(isSafeMethod)).toBe(false);
  });
});
