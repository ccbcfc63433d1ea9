import { Controller, Get, Inject, NotFoundException, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  bucketDetailSchema,
  bucketListSchema,
  type BucketDetail,
  type BucketList,
} from '@kdumpfleet/contracts';
import { z } from 'zod';
import { AdminGuard } from '../../auth/guards.js';
import type { AnalysisService } from '../analysis-service.js';
import { ANALYSIS_SERVICE } from './analysis-tokens.js';
import { checkUuid } from '../../http/bad-field.js';

@ApiTags('buckets')
@ApiBearerAuth()
@Controller('api/v1/buckets')
@UseGuards(AdminGuard)
export class BucketsController {
  constructor(@Inject(ANALYSIS_SERVICE) private readonly svc: AnalysisService) {}

  @Get()
  @ApiOperation({ summary: 'Crash buckets (one per signature), most recently seen first' })
  @ApiOkResponse({ schema: z.toJSONSchema(bucketListSchema) as object })
  async list(): Promise<BucketList> {
    return { items: await this.svc.buckets.list() };
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ schema: z.toJSONSchema(bucketDetailSchema) as object })
  async get(@Param('id') id: string): Promise<BucketDetail> {
    checkUuid(id);
    const b = await this.svc.buckets.byId(id.toLowerCase());
    if (!b) throw new NotFoundException(`no bucket ${id}`);
    return b;
  }
}
