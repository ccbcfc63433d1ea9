import {
  Controller,
  Get,
  HttpCode,
  HttpException,
  Inject,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ROOT_LOGGER } from '../../tokens.js';
import { checkCsrf, checkOrigin, CsrfError } from '../csrf/csrf-check.js';
import { DECOY_HASH_PROMISE, verifyPassword } from '../passwords/password-hash.js';
import { clearedSessionCookie, overTls, sessionCookie } from '../sessions/session-cookie.js';
import { USERS_SERVICE, type UsersService } from '../users-service.js';
import { readJsonBody } from './json-body.js';

const loginSchema = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

function forbiddenCsrf(err: CsrfError): HttpException {
  return new HttpException(
    { statusCode: 403, error: 'Forbidden', message: err.message, field: err.field },
    403,
  );
}

/** Portal sign-in and sign-out. Sessions are cookies; see sessions/ and csrf/. */
@ApiTags('session')
@Controller('api/v1/session')
export class SessionController {
  constructor(
    @Inject(USERS_SERVICE) private readonly svc: UsersService,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in: {username, password} → session cookie + CSRF token (rate limited)',
  })
  async login(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    // Login CSRF: a foreign page must not sign a browser into our portal either.
    try {
      checkOrigin(req);
    } catch (err) {
      if (err instanceof CsrfError) throw forbiddenCsrf(err);
      throw err;
    }
    const body = await readJsonBody(req, loginSchema);
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const wait = await this.svc.loginLimit.retryAfterMs(address, body.username);
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      throw new HttpException(
        {
          statusCode: 429,
          error: 'Too Many Requests',
          message: `too many failed sign-ins; try again in ${Math.ceil(wait / 1000)} s`,
        },
        429,
      );
    }
    const row = await this.svc.users.byUsername(body.username);
    // Unknown users cost a real scrypt too, so timing does not tell which names exist.
    const ok = row
      ? await verifyPassword(body.password, row.password_hash)
      : (await verifyPassword(body.password, await DECOY_HASH_PROMISE), false);
    if (!row || !ok || Number(row.disabled) === 1) {
      await this.svc.loginLimit.recordFailure(address, body.username);
      this.log.warn({ username: body.username, address }, 'portal sign-in failed');
      throw new UnauthorizedException('wrong user name or password');
    }
    await this.svc.loginLimit.recordSuccess(address, body.username);
    const s = await this.svc.sessions.create(row.id);
    res.setHeader(
      'Set-Cookie',
      sessionCookie(s.cookieValue, this.svc.sessions.maxAgeSeconds, overTls(req)),
    );
    this.log.info({ username: row.username }, 'portal sign-in');
    return {
      user: { id: row.id, username: row.username, role: row.role },
      csrfToken: s.csrfToken,
    };
  }

  @Get()
  @ApiOperation({ summary: 'The signed-in user and the CSRF token for state changes' })
  async current(@Req() req: Request) {
    const s = await this.svc.authority.sessionOf(req);
    if (!s) throw new UnauthorizedException('not signed in');
    return {
      user: { id: s.user.id, username: s.user.username, role: s.user.role },
      csrfToken: s.csrfToken,
      expiresAt: s.expiresAt,
    };
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out (needs X-CSRF-Token)' })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const s = await this.svc.authority.sessionOf(req);
    if (!s) throw new UnauthorizedException('not signed in');
    try {
      checkCsrf(req, s.csrfToken);
    } catch (err) {
      if (err instanceof CsrfError) throw forbiddenCsrf(err);
      throw err;
    }
    await this.svc.sessions.destroy(s.id);
    res.setHeader('Set-Cookie', clearedSessionCookie(overTls(req)));
  }
}
