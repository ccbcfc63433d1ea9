import { pipeline } from 'node:stream/promises';
import {
  Controller,
  Delete,
  Get,
  GoneException,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  dumpListQuerySchema,
  dumpListSchema,
  dumpRecordSchema,
  type DumpList,
  type DumpRecord,
} from '@kdumpfleet/contracts';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AdminGuard } from '../auth/guards.js';
import { attachmentDisposition } from '../http/content-disposition.js';
import { parseByteRange } from '../http/byte-range.js';
import type { CollectorObjectStore } from '../storage/object-store.js';
import { DUMPS_REPOSITORY, OBJECT_STORE, ROOT_LOGGER } from '../tokens.js';
import { InvalidCursorError } from './dump-cursor.js';
import type { DumpsRepository } from './dumps.repository.js';
import { badField, checkUuid } from '../http/bad-field.js';

@ApiTags('dumps')
@ApiBearerAuth()
@Controller('api/v1/dumps')
@UseGuards(AdminGuard)
export class DumpsController {
  constructor(
    @Inject(DUMPS_REPOSITORY) private readonly dumps: DumpsRepository,
    @Inject(OBJECT_STORE) private readonly store: CollectorObjectStore,
    @Inject(ROOT_LOGGER) private readonly log: Logger,
  ) {}

  private async found(id: string): Promise<DumpRecord> {
    checkUuid(id);
    const dump = await this.dumps.byId(id.toLowerCase());
    if (!dump) throw new NotFoundException(`no dump ${id}`);
    return dump;
  }

  @Get()
  @ApiOperation({ summary: 'Dumps, newest first (default: only verified ones, state=received)' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', default: 50, maximum: 500 },
  })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'page', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({ name: 'node', required: false })
  @ApiQuery({ name: 'state', required: false, enum: ['received', 'corrupt', 'all'] })
  @ApiOkResponse({ schema: z.toJSONSchema(dumpListSchema) as object })
  async list(@Query() query: Record<string, unknown>): Promise<DumpList> {
    const parsed = dumpListQuerySchema.safeParse(query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw badField(String(issue.path[0] ?? 'query'), issue.message);
    }
    try {
      return await this.dumps.list(parsed.data);
    } catch (err) {
      if (err instanceof InvalidCursorError) throw badField('cursor', err.message);
      throw err;
    }
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ schema: z.toJSONSchema(dumpRecordSchema) as object })
  async get(@Param('id') id: string): Promise<DumpRecord> {
    return this.found(id);
  }

  @Get(':id/file')
  @ApiOperation({
    summary: 'The dump bytes as uploaded (HTTP Range supported); 410 for a corrupt dump',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  async file(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const dump = await this.found(id);
    if (dump.state !== 'received' || dump.storageKey === null) {
      throw new GoneException(
        `dump ${dump.id} is ${dump.state}: ${dump.reason ?? 'no stored bytes'}`,
      );
    }
    const range = parseByteRange(req.headers.range, dump.size);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Disposition', attachmentDisposition(dump.filename));
    res.setHeader('ETag', `"${dump.sha256}"`);
    if (range.kind === 'unsatisfiable') {
      res.status(416).setHeader('Content-Range', `bytes */${dump.size}`);
      res.end();
      return;
    }
    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, dump.size - 1];
    if (range.kind === 'partial') {
      res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${dump.size}`);
    }
    res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
    if (dump.size === 0 || req.method === 'HEAD') {
      res.end();
      return;
    }
    const body = await this.store.readRange(dump.storageKey, start, end);
    try {
      await pipeline(body, res);
    } catch (err) {
      // Client went away, or the store failed mid-stream: the connection is already torn down.
      this.log.warn({ err: String(err), dumpId: dump.id }, 'dump download ended early');
    }
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'Delete a dump record; its bytes go when no other record shares them' })
  async remove(@Param('id') id: string): Promise<void> {
    const dump = await this.found(id);
    const remaining = await this.dumps.delete(dump.id, dump.storageKey);
    if (dump.storageKey !== null && remaining === 0) await this.store.delete(dump.storageKey);
  }
}
