import {
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpException,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UPLOADS_PATH } from '@kdumpfleet/contracts';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AdminGuard } from '../../auth/guards.js';
import {
  EnrollmentError,
  type EnrollmentTokenInfo,
  type NodeTokenInfo,
} from '../enrollment/enrollment-tokens.js';
import { USERS_SERVICE, type UsersService } from '../users-service.js';
import { readJsonBody } from './json-body.js';
import { checkUuid } from '../../http/bad-field.js';

const createSchema = z.object({
  label: z.string().min(1).max(255),
  maxUses: z.number().int().min(1).max(100_000).default(1),
  /** seconds until the token expires (default one day, at most 90 days) */
  ttlSeconds: z
    .number()
    .int()
    .min(60)
    .max(90 * 86_400)
    .default(86_400),
});
const enrollSchema = z.object({
  token: z.string().min(1).max(256),
  node: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be a host name'),
});

/** Admins create enrollment tokens and see or revoke the node tokens they turned into. */
@ApiTags('enrollment')
@ApiBearerAuth()
@Controller('api/v1')
export class EnrollmentController {
  constructor(@Inject(USERS_SERVICE) private readonly svc: UsersService) {}

  @Get('enrollment-tokens')
  @UseGuards(AdminGuard)
  async listEnrollment(): Promise<{ items: EnrollmentTokenInfo[] }> {
    return { items: await this.svc.enrollment.listEnrollmentTokens() };
  }

  @Post('enrollment-tokens')
  @UseGuards(AdminGuard)
  @HttpCode(201)
  @ApiOperation({
    summary: 'New enrollment token {label, maxUses?, ttlSeconds?}; the token is shown once',
  })
  async createEnrollment(@Req() req: Request): Promise<{ token: string } & EnrollmentTokenInfo> {
    const body = await readJsonBody(req, createSchema);
    const who = await this.svc.authority.identify(req);
    const { token, info } = await this.svc.enrollment.createEnrollmentToken({
      label: body.label,
      maxUses: body.maxUses,
      ttlMs: body.ttlSeconds * 1000,
      createdBy: who?.actor ?? 'unknown',
    });
    return { token, ...info };
  }

  @Delete('enrollment-tokens/:id')
  @UseGuards(AdminGuard)
  @HttpCode(204)
  async revokeEnrollment(@Param('id') id: string): Promise<void> {
    checkUuid(id);
    if (!(await this.svc.enrollment.revokeEnrollmentToken(id.toLowerCase())))
      throw new NotFoundException(`no live enrollment token ${id}`);
  }

  @Get('node-tokens')
  @UseGuards(AdminGuard)
  async listNodeTokens(): Promise<{ items: NodeTokenInfo[] }> {
    return { items: await this.svc.enrollment.listNodeTokens() };
  }

  @Delete('node-tokens/:id')
  @UseGuards(AdminGuard)
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a node’s upload token (effective on its next request)' })
  async revokeNodeToken(@Param('id') id: string): Promise<void> {
    checkUuid(id);
    if (!(await this.svc.enrollment.revokeNodeToken(id.toLowerCase())))
      throw new NotFoundException(`no live node token ${id}`);
  }

  /** No guard: the enrollment token in the body is the credential. Throttled per address. */
  @Post('enroll')
  @HttpCode(201)
  @ApiOperation({
    summary: '`kdumpfleet enroll`: {token, node} → a per-node upload token (shown once)',
  })
  async enroll(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const wait = await this.svc.enrollLimit.retryAfterMs(address, 'enroll');
    if (wait > 0) {
      res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
      throw new HttpException(
        { statusCode: 429, error: 'Too Many Requests', message: 'too many failed enrollments' },
        429,
      );
    }
    const body = await readJsonBody(req, enrollSchema);
    try {
      const t = await this.svc.enrollment.enroll(body.token, body.node);
      return { node: body.node, tokenId: t.id, uploadToken: t.token, uploadsPath: UPLOADS_PATH };
    } catch (err) {
      if (err instanceof EnrollmentError) {
        await this.svc.enrollLimit.recordFailure(address, 'enroll');
        throw new HttpException(
          { statusCode: 403, error: 'Forbidden', message: err.message, field: err.field },
          403,
        );
      }
      throw err;
    }
  }
}
