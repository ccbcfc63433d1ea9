import { pipeline } from 'node:stream/promises';
import {
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  analysisResultSchema,
  dumpAnalysisSchema,
  type AnalysisResult,
  type DumpAnalysis,
} from '@kdumpfleet/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { AdminGuard } from '../../auth/guards.js';
import type { DumpsRepository } from '../../dumps/dumps.repository.js';
import { DUMPS_REPOSITORY } from '../../tokens.js';
import type { AnalysisService } from '../analysis-service.js';
import { RESULT_NAME } from '../results/analysis-results.js';
import { ANALYSIS_SERVICE } from './analysis-tokens.js';
import { badField, checkUuid } from '../../http/bad-field.js';

@ApiTags('analysis')
@ApiBearerAuth()
@Controller('api/v1/dumps')
@UseGuards(AdminGuard)
export class AnalysisController {
  constructor(
    @Inject(ANALYSIS_SERVICE) private readonly svc: AnalysisService,
    @Inject(DUMPS_REPOSITORY) private readonly dumps: DumpsRepository,
  ) {}

  private async dumpId(id: string): Promise<string> {
    checkUuid(id);
    const dump = await this.dumps.byId(id.toLowerCase());
    if (!dump) throw new NotFoundException(`no dump ${id}`);
    return dump.id;
  }

  @Post(':id/analyze')
  @HttpCode(202)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'Queue (re-)analysis of a dump: triage, then crash(8)/drgn' })
  async analyze(@Param('id') id: string): Promise<{ dumpId: string; jobId: string }> {
    const dumpId = await this.dumpId(id);
    const dump = await this.dumps.byId(dumpId);
    if (dump?.state !== 'received')
      throw badField('id', `dump is ${dump?.state ?? 'gone'}; only verified dumps are analysed`);
    return { dumpId, jobId: await this.svc.runner.enqueue(dumpId, { reset: true }) };
  }

  @Get(':id/analysis')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'Analysis state, triage fields, timings, failure reasons, results' })
  @ApiOkResponse({ schema: z.toJSONSchema(dumpAnalysisSchema) as object })
  async analysis(@Param('id') id: string): Promise<DumpAnalysis> {
    const dumpId = await this.dumpId(id);
    const a = await this.svc.analysisOf(dumpId);
    if (!a) throw new NotFoundException(`dump ${dumpId} has not been queued for analysis yet`);
    return a;
  }

  @Get(':id/results')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({
    schema: z.toJSONSchema(z.object({ items: z.array(analysisResultSchema) })) as object,
  })
  async results(@Param('id') id: string): Promise<{ items: AnalysisResult[] }> {
    return { items: await this.svc.results.list(await this.dumpId(id)) };
  }

  @Get(':id/results/:name')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'name', example: 'crash-bt.txt' })
  @ApiOperation({
    summary: 'One result: triage.json, dmesg.txt, crash-*.txt, drgn-*.txt, summary.json',
  })
  async result(
    @Param('id') id: string,
    @Param('name') name: string,
    @Res() res: Response,
  ): Promise<void> {
    if (!RESULT_NAME.test(name)) throw badField('name', 'not a result name');
    const dumpId = await this.dumpId(id);
    const row = await this.svc.results.find(dumpId, name);
    if (!row) throw new NotFoundException(`dump ${dumpId} has no result ${name}`);
    res.setHeader('Content-Type', row.content_type);
    res.setHeader('Content-Length', String(row.size));
    if (Number(row.truncated) === 1) res.setHeader('X-Kdumpfleet-Truncated', 'true');
    await pipeline(await this.svc.results.open(row.storage_key), res);
  }
}
