import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AccessTokens, type Role } from './access.js';
import { bearerToken } from './bearer-tokens.js';
import { ACCESS_TOKENS } from '../tokens.js';

async function check(
  ctx: ExecutionContext,
  tokens: AccessTokens,
  allowed: readonly Role[],
): Promise<boolean> {
  const http = ctx.switchToHttp();
  const req = http.getRequest<Request>();
  // tus clients discover the server with OPTIONS (and browsers preflight with it): no secrets there.
  if (req.method === 'OPTIONS') return true;
  const role = tokens.roleOf(bearerToken(req.headers.authorization));
  // Not a configured token: an enrolled node token or a portal session (role per route + CSRF).
  if (role === null && tokens.users)
    return tokens.users.authorize(req, http.getResponse<Response>(), allowed);
  if (role === null) {
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="kdumpfleet"');
    throw new UnauthorizedException('a valid Authorization: Bearer token is required');
  }
  if (!allowed.includes(role))
    throw new ForbiddenException(`this endpoint needs an ${allowed[0]} token`);
  return true;
}

/** Upload tokens (and the admin token) may use the tus endpoint. */
@Injectable()
export class UploaderGuard implements CanActivate {
  constructor(@Inject(ACCESS_TOKENS) private readonly tokens: AccessTokens) {}
  canActivate(ctx: ExecutionContext): Promise<boolean> {
    return check(ctx, this.tokens, ['uploader', 'admin']);
  }
}

/** Reads and deletes of dumps need the admin token; an upload token gets 403. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(ACCESS_TOKENS) private readonly tokens: AccessTokens) {}
  canActivate(ctx: ExecutionContext): Promise<boolean> {
    return check(ctx, this.tokens, ['admin']);
  }
}
