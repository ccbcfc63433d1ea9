import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Patch,
  Post,
  Req,
  UseGuards,
  ConflictException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { AdminGuard } from '../../auth/guards.js';
import { UserExistsError, type PortalUser } from '../db/users.repository.js';
import { USER_ROLES } from '../roles/roles.js';
import { USERS_SERVICE, type UsersService } from '../users-service.js';
import { readJsonBody } from './json-body.js';
import { checkUuid } from '../../http/bad-field.js';

const username = z
  .string()
  .regex(/^[a-z][a-z0-9._-]{0,63}$/i, 'letters, digits, . _ - (starting with a letter)');
const password = z.string().min(10, 'at least 10 characters').max(1024);
const createSchema = z.object({ username, password, role: z.enum(USER_ROLES) });
const updateSchema = z
  .object({
    role: z.enum(USER_ROLES).optional(),
    password: password.optional(),
    disabled: z.boolean().optional(),
  })
  .strict();
/** Portal users (admin only; route policy in roles/route-policy.ts). */
@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1/users')
@UseGuards(AdminGuard)
export class UsersController {
  constructor(@Inject(USERS_SERVICE) private readonly svc: UsersService) {}

  private async existing(id: string) {
    checkUuid(id);
    const row = await this.svc.users.byId(id.toLowerCase());
    if (!row) throw new NotFoundException(`no user ${id}`);
    return row;
  }

  @Get()
  @ApiOperation({ summary: 'Portal users and their roles' })
  async list(): Promise<{ items: PortalUser[] }> {
    return { items: await this.svc.users.list() };
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a user {username, password, role}' })
  async create(@Req() req: Request): Promise<PortalUser> {
    const body = await readJsonBody(req, createSchema);
    try {
      return await this.svc.users.create(body.username, body.password, body.role);
    } catch (err) {
      if (err instanceof UserExistsError) throw new ConflictException(err.message);
      throw err;
    }
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change role, password or disabled; ends the user’s sessions' })
  async update(@Param('id') id: string, @Req() req: Request): Promise<PortalUser> {
    const row = await this.existing(id);
    const body = await readJsonBody(req, updateSchema);
    const losesAdmin =
      row.role === 'admin' &&
      Number(row.disabled) === 0 &&
      ((body.role !== undefined && body.role !== 'admin') || body.disabled === true);
    if (losesAdmin && (await this.svc.users.activeAdmins()) <= 1)
      throw new BadRequestException('the last admin cannot be demoted or disabled');
    const user = await this.svc.users.update(row.id, body);
    await this.svc.sessions.destroyForUser(row.id);
    return user!;
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    const row = await this.existing(id);
    if (
      row.role === 'admin' &&
      Number(row.disabled) === 0 &&
      (await this.svc.users.activeAdmins()) <= 1
    )
      throw new BadRequestException('the last admin cannot be deleted');
    await this.svc.sessions.destroyForUser(row.id);
    await this.svc.users.delete(row.id);
  }
}
