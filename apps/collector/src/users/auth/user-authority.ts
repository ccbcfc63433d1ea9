import { ForbiddenException, HttpException, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AccessTokens, Role } from '../../auth/access.js';
import { bearerToken } from '../../auth/bearer-tokens.js';
import { checkCsrf, CsrfError, isSafeMethod } from '../csrf/csrf-check.js';
import type { NodeEnrollment } from '../enrollment/enrollment-tokens.js';
import { requiredRole } from '../roles/route-policy.js';
import { roleSatisfies } from '../roles/roles.js';
import { cookieValue, SESSION_COOKIE } from '../sessions/session-cookie.js';
import type { ActiveSession, SessionStore } from '../sessions/session-store.js';
import type { Principal } from './principal.js';

function unauthorized(res: Response, message: string): UnauthorizedException {
  res.setHeader('WWW-Authenticate', 'Bearer realm="kdumpfleet"');
  return new UnauthorizedException(message);
}

/** The matched route as Express knows it (`/api/v1/dumps/:id/file`), for the policy table. */
export function routePattern(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? route.path : req.path;
}

/** `Upload-Metadata: key base64,key base64` → the decoded `node`, if present. */
function metadataNode(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  for (const pair of (value ?? '').split(',')) {
    const [key, b64] = pair.trim().split(' ');
    if (key === 'node' && b64) return Buffer.from(b64, 'base64').toString('utf8');
  }
  return null;
}

/**
 * A node token speaks for its own node only: reports and drills under `/nodes/:node`, and tus
 * uploads whose metadata names a node, must name the token's node.
 */
function checkNodeBinding(req: Request, node: string): void {
  const params = req.params as Record<string, string | undefined>;
  const claimed =
    params.node ?? (req.method === 'POST' ? metadataNode(req.headers['upload-metadata']) : null);
  if (claimed !== null && claimed !== undefined && claimed !== node)
    throw new ForbiddenException(`this upload token belongs to node ${node}, not ${claimed}`);
}

/**
 * The ways in besides the configured UPLOAD_TOKENS/ADMIN_TOKEN: enrolled node tokens (uploader
 * rights) and portal sessions (a user's role, checked per route against ROUTE_POLICY, plus CSRF
 * on anything that changes state). The collector's guards call `authorize` when the bearer token
 * is not a configured one.
 */
export class UserAuthority {
  private readonly principals = new WeakMap<Request, Principal>();

  constructor(
    private readonly tokens: AccessTokens,
    private readonly sessions: SessionStore,
    private readonly enrollment: NodeEnrollment,
  ) {}

  async sessionOf(req: Request): Promise<ActiveSession | null> {
    const value = cookieValue(req, SESSION_COOKIE);
    return value ? this.sessions.find(value) : null;
  }

  /** The principal of a request (cached per request), or null for nobody. */
  async identify(req: Request): Promise<Principal | null> {
    const cached = this.principals.get(req);
    if (cached) return cached;
    let p: Principal | null = null;
    const bearer = bearerToken(req.headers.authorization);
    if (bearer !== null) {
      const role = this.tokens.roleOf(bearer);
      if (role === 'admin') p = { kind: 'token', actor: 'token:admin', role };
      else if (role === 'uploader') p = { kind: 'token', actor: 'token:upload', role };
      else {
        const node = await this.enrollment.nodeTokenFor(bearer);
        if (node)
          p = {
            kind: 'node',
            actor: `node:${node.node}`,
            role: 'uploader',
            node: node.node,
            tokenId: node.id,
          };
      }
    } else {
      const s = await this.sessionOf(req);
      if (s)
        p = {
          kind: 'user',
          actor: `user:${s.user.username}`,
          role: s.user.role,
          user: s.user,
          sessionId: s.id,
          csrfToken: s.csrfToken,
        };
    }
    if (p) this.principals.set(req, p);
    return p;
  }

  /**
   * Called by the collector's guards for requests whose bearer token is not a configured one.
   * `allowed` is what the guard lets bearer tokens do; a user's role is checked against the
   * route policy instead. Throws 401/403 (HttpException); resolves true when the request may go.
   */
  async authorize(req: Request, res: Response, allowed: readonly Role[]): Promise<boolean> {
    const p = await this.identify(req);
    if (p === null) {
      throw unauthorized(
        res,
        req.headers.authorization
          ? 'a valid Authorization: Bearer token is required'
          : 'sign in (session cookie) or send an Authorization: Bearer token',
      );
    }
    if (p.kind !== 'user') {
      if (!allowed.includes(p.role))
        throw new ForbiddenException(`this endpoint needs an ${allowed[0]} token`);
      if (p.kind === 'node') checkNodeBinding(req, p.node);
      return true;
    }
    const needed = requiredRole(
      req.method,
      routePattern(req),
      req.params as Record<string, string>,
    );
    if (!roleSatisfies(p.role, needed))
      throw new ForbiddenException(
        `this needs the ${needed} role (${p.user.username} is ${p.role})`,
      );
    if (!isSafeMethod(req.method)) {
      try {
        checkCsrf(req, p.csrfToken);
      } catch (err) {
        if (err instanceof CsrfError)
          throw new HttpException(
            { statusCode: 403, error: 'Forbidden', message: err.message, field: err.field },
            403,
          );
        throw err;
      }
    }
    return true;
  }
}
