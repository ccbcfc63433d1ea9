import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { readinessReportSchema, type ReadinessReport } from '@kdumpfleet/contracts';
import type { Request } from 'express';
import { AdminGuard, UploaderGuard } from '../auth/guards.js';
import type { HeartbeatConfig } from './heartbeat-config.js';
import { livenessOf, type HeartbeatRepository } from './heartbeat.repository.js';
import { HEARTBEAT_CONFIG, NODE_HEARTBEATS } from './heartbeat-tokens.js';
import { checkNodeName } from './node-name.js';
import type { NodeReportsRepository } from './node-reports.repository.js';
import { summary } from './node-reports.repository.js';
import type { NodeUploadsRepository } from './node-uploads.repository.js';
import type { NodesConfig } from './nodes-config.js';
import { NODE_REPORTS, NODE_UPLOADS, NODES_CONFIG } from './nodes-tokens.js';
import { readJsonBody } from './read-json-body.js';
import { badField } from '../http/bad-field.js';

/** Node readiness: agents POST their `check` report; support engineers read the fleet's state. */
@ApiTags('nodes')
@ApiBearerAuth()
@Controller('api/v1/nodes')
export class NodesController {
  constructor(
    @Inject(NODES_CONFIG) private readonly config: NodesConfig,
    @Inject(NODE_REPORTS) private readonly reports: NodeReportsRepository,
    @Inject(NODE_UPLOADS) private readonly uploads: NodeUploadsRepository,
    @Inject(HEARTBEAT_CONFIG) private readonly heartbeatConfig: HeartbeatConfig,
    @Inject(NODE_HEARTBEATS) private readonly heartbeats: HeartbeatRepository,
  ) {}

  @Post([':node/readiness', ':node/report'])
  @HttpCode(201)
  @UseGuards(UploaderGuard)
  @ApiOperation({ summary: 'Store a kdumpfleet.readiness/v1 report (agent `report`)' })
  async postReadiness(@Param('node') node: string, @Req() req: Request) {
    checkNodeName(node);
    const body = await readJsonBody(req, this.config.maxReportBytes);
    const parsed = readinessReportSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw badField(issue.path.join('.') || 'body', issue.message);
    }
    const report: ReadinessReport = parsed.data;
    return this.reports.add(node, report);
  }

  @Get()
  @UseGuards(AdminGuard)
  @ApiOperation({ summary: 'Every node with its last readiness report, verdict and stale flag' })
  async list() {
    const reported = await this.reports.list(this.config.staleAfterMs);
    const beats = new Map((await this.heartbeats.all()).map((h) => [h.node, h]));
    const now = Date.now();
    const dead = this.heartbeatConfig.deadAfterMs;
    const nodes = reported.map((n) => ({
      ...n,
      liveness: livenessOf(beats.get(n.node), dead, now),
    }));
    // Nodes that send heartbeats but never a readiness report: liveness only.
    const reportedNames = new Set(reported.map((n) => n.node));
    const heartbeatOnly = [...beats.values()]
      .filter((h) => !reportedNames.has(h.node))
      .map((h) => ({ node: h.node, liveness: livenessOf(h, dead, now) }));
    return {
      nodes,
      heartbeatOnly,
      staleAfterSeconds: this.config.staleAfterMs / 1000,
      deadAfterSeconds: dead / 1000,
    };
  }

  @Get(':node')
  @UseGuards(AdminGuard)
  @ApiOperation({ summary: 'One node: last report (whole), verdict, stale flag, recent history' })
  async one(@Param('node') node: string, @Query('history') history?: string) {
    checkNodeName(node);
    const found = await this.reports.latest(node);
    const beat = await this.heartbeats.one(node);
    const liveness = livenessOf(beat, this.heartbeatConfig.deadAfterMs, Date.now());
    if (!found && beat) return { node, liveness, report: null, history: [] };
    if (!found) throw new NotFoundException(`node ${node} has sent no readiness report`);
    const limit = Math.min(Math.max(Number(history ?? 20) || 20, 1), 500);
    return {
      ...summary(found.row, found.reports, this.config.staleAfterMs, Date.now()),
      liveness,
      report: JSON.parse(found.row.report) as ReadinessReport,
      history: await this.reports.history(node, limit),
    };
  }

  @Get(':node/uploads/:uploadId')
  @UseGuards(UploaderGuard)
  @ApiOperation({ summary: 'The dump record a tus upload of this node became (404: none)' })
  async uploadRecord(@Param('node') node: string, @Param('uploadId') uploadId: string) {
    checkNodeName(node);
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(uploadId))
      throw new BadRequestException('uploadId: not an upload id');
    const rec = await this.uploads.dumpOfUpload(node, uploadId);
    if (!rec) throw new NotFoundException(`no dump record for upload ${uploadId} of ${node}`);
    return { uploadId, dumpId: rec.id, sha256: rec.sha256, state: rec.state };
  }
}
