import {
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Put,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { AdminGuard } from '../../auth/guards.js';
import type { DumpsRepository } from '../../dumps/dumps.repository.js';
import { DUMPS_REPOSITORY } from '../../tokens.js';
import type { DumpTicket } from '../db/dump-tickets.js';
import { USERS_SERVICE, type UsersService } from '../users-service.js';
import { readJsonBody } from './json-body.js';
import { checkUuid } from '../../http/bad-field.js';

const ticketSchema = z.object({
  ticket: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x20-\x7e]+$/, 'printable ASCII'),
});

/** The support ticket a dump belongs to (the upload screen's ticket field). */
@ApiTags('dumps')
@ApiBearerAuth()
@Controller('api/v1/dumps/:id/ticket')
@UseGuards(AdminGuard)
export class TicketsController {
  constructor(
    @Inject(USERS_SERVICE) private readonly svc: UsersService,
    @Inject(DUMPS_REPOSITORY) private readonly dumps: DumpsRepository,
  ) {}

  private async dumpId(id: string): Promise<string> {
    checkUuid(id);
    const dump = await this.dumps.byId(id.toLowerCase());
    if (!dump) throw new NotFoundException(`no dump ${id}`);
    return dump.id;
  }

  @Get()
  async get(@Param('id') id: string): Promise<DumpTicket> {
    const t = await this.svc.tickets.get(await this.dumpId(id));
    if (!t) throw new NotFoundException(`dump ${id} has no ticket`);
    return t;
  }

  @Put()
  @ApiOperation({ summary: 'Set the ticket {ticket} of a dump' })
  async set(@Param('id') id: string, @Req() req: Request): Promise<DumpTicket> {
    const dumpId = await this.dumpId(id);
    const body = await readJsonBody(req, ticketSchema);
    const who = await this.svc.authority.identify(req);
    return this.svc.tickets.set(dumpId, body.ticket, who?.actor ?? 'unknown');
  }
}
