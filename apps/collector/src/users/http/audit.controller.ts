import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminGuard } from '../../auth/guards.js';
import type { DownloadAuditEntry } from '../audit/download-audit.js';
import { USERS_SERVICE, type UsersService } from '../users-service.js';
import { badField } from '../../http/bad-field.js';

const querySchema = z.object({
  dumpId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit')
@UseGuards(AdminGuard)
export class AuditController {
  constructor(@Inject(USERS_SERVICE) private readonly svc: UsersService) {}

  @Get('downloads')
  @ApiOperation({ summary: 'Dump and result downloads: who, when, which (newest first)' })
  async downloads(
    @Query() query: Record<string, unknown>,
  ): Promise<{ items: DownloadAuditEntry[] }> {
    const q = querySchema.safeParse(query);
    if (!q.success)
      throw badField(String(q.error.issues[0]!.path[0] ?? 'query'), q.error.issues[0]!.message);
    return { items: await this.svc.audit.list(q.data) };
  }
}
