import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { CollectorConfig } from '../config/environment.js';
import { pingDatabase, type CollectorDb } from '../db/database.js';
import type { CollectorObjectStore } from '../storage/object-store.js';
import { CONFIG, DATABASE, OBJECT_STORE } from '../tokens.js';
import { freeBytes } from './free-space.js';

const CHECK_TIMEOUT_MS = 3000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer in ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicator: HealthIndicatorService,
    @Inject(CONFIG) private readonly config: CollectorConfig,
    @Inject(DATABASE) private readonly db: CollectorDb,
    @Inject(OBJECT_STORE) private readonly store: CollectorObjectStore,
  ) {}

  /** The process answers: nothing else is checked (restart only when this fails). */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready to take uploads: database, object store and disk space all fine. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.probe('database', () => withTimeout(pingDatabase(this.db), 'database')),
      () =>
        this.probe(`storage(${this.store.kind})`, () =>
          withTimeout(this.store.ping(), 'object store'),
        ),
      () => this.space('disk(DATA_DIR)', this.config.dataDir, this.config.minFreeDataBytes),
      () => this.space('disk(TMPDIR)', this.config.tmpDir, this.config.minFreeTmpBytes),
    ]);
  }

  private async probe(key: string, run: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    const check = this.indicator.check(key);
    try {
      await run();
      return check.up();
    } catch (err) {
      return check.down({ message: err instanceof Error ? err.message : String(err) });
    }
  }

  private async space(key: string, path: string, minFree: number): Promise<HealthIndicatorResult> {
    const check = this.indicator.check(key);
    try {
      const free = await freeBytes(path);
      const details = { path, freeBytes: free, minFreeBytes: minFree };
      return free >= minFree
        ? check.up(details)
        : check.down({ ...details, message: 'low disk space' });
    } catch (err) {
      return check.down({ path, message: String(err) });
    }
  }
}
