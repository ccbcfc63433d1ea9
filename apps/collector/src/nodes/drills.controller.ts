import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { UploaderGuard } from '../auth/guards.js';
import { checkNodeName } from './node-name.js';
import type { NodeDrillsRepository } from './node-drills.repository.js';
import type { NodesConfig } from './nodes-config.js';
import { NODE_DRILLS, NODES_CONFIG } from './nodes-tokens.js';
import { readJsonBody } from './read-json-body.js';

const drillRequestSchema = z.object({
  scenario: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
  windowSeconds: z.number().int().positive().optional(),
});

/**
 * Fire drills. The agent (upload token) registers a drill just before triggering kfault; the
 * drill passes when that node's next good dump is recorded inside the window. Reading drills
 * is allowed to agents too (they may wait for the verdict), and to the admin token.
 */
@ApiTags('nodes')
@ApiBearerAuth()
@Controller('api/v1/nodes/:node/drills')
@UseGuards(UploaderGuard)
export class DrillsController {
  constructor(
    @Inject(NODES_CONFIG) private readonly config: NodesConfig,
    @Inject(NODE_DRILLS) private readonly drills: NodeDrillsRepository,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a drill: { scenario, windowSeconds? }' })
  async create(@Param('node') node: string, @Req() req: Request) {
    checkNodeName(node);
    const parsed = drillRequestSchema.safeParse(await readJsonBody(req, 4096));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new BadRequestException(`${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const windowMs = parsed.data.windowSeconds
      ? parsed.data.windowSeconds * 1000
      : this.config.drillWindowDefaultMs;
    if (windowMs > this.config.drillWindowMaxMs)
      throw new BadRequestException(
        `windowSeconds: at most ${this.config.drillWindowMaxMs / 1000} (DRILL_WINDOW_MAX)`,
      );
    return this.drills.create(node, parsed.data.scenario, windowMs);
  }

  @Get()
  @ApiOperation({ summary: "This node's drills, newest first, judged against its dumps" })
  async list(@Param('node') node: string) {
    checkNodeName(node);
    return { drills: await this.drills.list(node) };
  }
}
