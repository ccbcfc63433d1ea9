import { Controller, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { watchVerdictSchema } from '@kdumpfleet/contracts';
import type { Request } from 'express';
import { UploaderGuard } from '../auth/guards.js';
import type { HeartbeatConfig } from './heartbeat-config.js';
import type { HeartbeatRepository } from './heartbeat.repository.js';
import { HEARTBEAT_CONFIG, NODE_HEARTBEATS } from './heartbeat-tokens.js';
import { checkNodeName } from './node-name.js';
import { readJsonBody } from './read-json-body.js';
import { badField } from '../http/bad-field.js';

/** `kdumpfleet watch` heartbeats: the node's alive/undead verdict; silence makes it dead. */
@ApiTags('nodes')
@ApiBearerAuth()
@Controller('api/v1/nodes')
export class HeartbeatController {
  constructor(
    @Inject(HEARTBEAT_CONFIG) private readonly config: HeartbeatConfig,
    @Inject(NODE_HEARTBEATS) private readonly heartbeats: HeartbeatRepository,
  ) {}

  @Post(':node/heartbeat')
  @HttpCode(201)
  @UseGuards(UploaderGuard)
  @ApiOperation({
    summary: 'Store a kdumpfleet.watch/v1 verdict (agent `watch`) as the node heartbeat',
  })
  async heartbeat(@Param('node') node: string, @Req() req: Request) {
    checkNodeName(node);
    const body = await readJsonBody(req, this.config.maxHeartbeatBytes);
    const parsed = watchVerdictSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw badField(issue.path.join('.') || 'body', issue.message);
    }
    if (parsed.data.node !== node)
      throw badField('node', `'${parsed.data.node}' is not the node of the path ('${node}')`);
    return this.heartbeats.record(node, parsed.data);
  }
}
