import type { Server } from '@tus/server';
import pino, { type Logger } from 'pino';
import { AccessTokens } from './auth/access.js';
import type { CollectorConfig } from './config/environment.js';
import { openDatabase, type CollectorDb } from './db/database.js';
import { DumpsRepository } from './dumps/dumps.repository.js';
import { CollectorMetrics } from './metrics/collector-metrics.js';
import { createObjectStore } from './storage/create-object-store.js';
import type { CollectorObjectStore } from './storage/object-store.js';
import { ArrivalDigests } from './uploads/arrival-digest.js';
import { DumpIngest } from './uploads/dump-ingest.js';
import { createUploadLocking } from './uploads/locking/upload-locker.js';
import { createTusBackend } from './uploads/tus-datastore.js';
import { createTusServer } from './uploads/tus-endpoint.js';
import { UploadJanitor } from './uploads/upload-janitor.js';
import { UploadsRepository } from './uploads/uploads.repository.js';

/** Everything the collector runs on, built once from validated config (also for `worker`). */
export interface CollectorContext {
  config: CollectorConfig;
  logger: Logger;
  db: CollectorDb;
  store: CollectorObjectStore;
  access: AccessTokens;
  dumps: DumpsRepository;
  uploads: UploadsRepository;
  metrics: CollectorMetrics;
  ingest: DumpIngest;
  tus: Server;
  janitor: UploadJanitor;
}

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'kdumpfleet-collector' } });
}

export async function createCollectorContext(
  config: CollectorConfig,
  tokens: { uploadTokens: string[]; adminToken: string },
  logger: Logger,
): Promise<CollectorContext> {
  const db = await openDatabase(config.dataDir, config.database);
  const store = createObjectStore(config);
  const dumps = new DumpsRepository(db);
  const uploads = new UploadsRepository(db);
  const metrics = new CollectorMetrics(dumps);
  const backend = await createTusBackend(config, store);
  // Hash on arrival unless VERIFY_REREAD asks to read every stored upload back.
  const digests = config.verifyReread ? null : new ArrivalDigests();
  const locking = createUploadLocking(config, logger);
  const ingest = new DumpIngest(
    dumps,
    uploads,
    backend.area,
    store,
    metrics,
    logger,
    digests,
    locking.finishLock,
  );
  const tus = createTusServer({
    config,
    datastore: backend.datastore,
    uploads,
    ingest,
    metrics,
    log: logger,
    digests,
    locker: locking.locker,
  });
  const janitor = new UploadJanitor(tus, uploads, ingest, config.uploadExpiryMs, logger);
  return {
    config,
    logger,
    db,
    store,
    access: new AccessTokens(tokens.uploadTokens, tokens.adminToken),
    dumps,
    uploads,
    metrics,
    ingest,
    tus,
    janitor,
  };
}
