import { createLogger } from '../collector-context.js';
import { loadConfig } from '../config/environment.js';
import { openDatabase } from '../db/database.js';
import { createObjectStore } from '../storage/create-object-store.js';
import { AnalysisService } from './analysis-service.js';

/**
 * `collector worker`: the analysis worker pool alone (no HTTP), on the same DATA_DIR database
 * (or, later, the same PostgreSQL) and object store as the collector, so analysis scales apart
 * from ingest. SIGTERM stops claiming and aborts running jobs; their leases lapse and another
 * worker takes them.
 */
export async function runWorker(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config.dataDir, config.database);
  const store = createObjectStore(config);
  const svc = new AnalysisService({
    db,
    store,
    logger,
    dataDir: config.dataDir,
    tmpDir: config.tmpDir,
  });
  if (svc.config.concurrency === 0)
    logger.warn('ANALYSIS_CONCURRENCY=0: this worker will run no jobs');
  svc.start({ workers: true });
  logger.info({ concurrency: svc.config.concurrency, pid: process.pid }, 'analysis worker running');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'analysis worker stopping');
      const force = setTimeout(() => process.exit(1), config.shutdownGraceMs);
      force.unref();
      void svc
        .stop()
        .then(() => db.destroy())
        .then(() => resolve());
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
