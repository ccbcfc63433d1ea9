import { Module, type DynamicModule } from '@nestjs/common';
import { AdminGuard, UploaderGuard } from '../auth/guards.js';
import type { CollectorContext } from '../collector-context.js';
import { ACCESS_TOKENS } from '../tokens.js';
import { DrillsController } from './drills.controller.js';
import { loadHeartbeatConfig } from './heartbeat-config.js';
import { withHeartbeatTable } from './heartbeat-schema.js';
import { HEARTBEAT_CONFIG, NODE_HEARTBEATS } from './heartbeat-tokens.js';
import { HeartbeatController } from './heartbeat.controller.js';
import { HeartbeatRepository } from './heartbeat.repository.js';
import { NodeDrillsRepository } from './node-drills.repository.js';
import { NodeReportsRepository } from './node-reports.repository.js';
import { NodeUploadsRepository } from './node-uploads.repository.js';
import { loadNodesConfig } from './nodes-config.js';
import { withNodeTables } from './nodes-schema.js';
import { NodesController } from './nodes.controller.js';
import { NODE_DRILLS, NODE_REPORTS, NODE_UPLOADS, NODES_CONFIG } from './nodes-tokens.js';

/** Node readiness reports, the fleet view, drills (tables of migration 0200-nodes). */
@Module({})
export class NodesModule {
  /** Reads NODE_* / DRILL_* now, so a bad value fails the start with one line. */
  static forContext(ctx: CollectorContext): DynamicModule {
    const config = loadNodesConfig();
    const heartbeatConfig = loadHeartbeatConfig();
    const db = withNodeTables(ctx.db);
    return {
      module: NodesModule,
      controllers: [NodesController, DrillsController, HeartbeatController],
      providers: [
        { provide: NODES_CONFIG, useValue: config },
        { provide: NODE_REPORTS, useValue: new NodeReportsRepository(db, config.historyLimit) },
        { provide: NODE_DRILLS, useValue: new NodeDrillsRepository(db) },
        { provide: NODE_UPLOADS, useValue: new NodeUploadsRepository(db) },
        { provide: HEARTBEAT_CONFIG, useValue: heartbeatConfig },
        {
          provide: NODE_HEARTBEATS,
          useValue: new HeartbeatRepository(
            withHeartbeatTable(ctx.db),
            heartbeatConfig.deadAfterMs,
          ),
        },
        { provide: ACCESS_TOKENS, useValue: ctx.access },
        UploaderGuard,
        AdminGuard,
      ],
    };
  }
}
