import { MemoryLocker, type Locker } from '@tus/server';
import type { Logger } from 'pino';
import type { CollectorConfig } from '../../config/environment.js';
import { PostgresLocker } from './postgres-locker.js';

/** Serializes finishing one upload across collector instances (null: one process, no need). */
export interface FinishLock {
  withFinishLock<T>(uploadId: string, fn: () => Promise<T>): Promise<T>;
}

export interface UploadLocking {
  /** the tus server's locker */
  locker: Locker;
  finishLock: FinishLock | null;
}

/**
 * With PostgreSQL (DATABASE_URL) several collector instances may serve one upload, so its locks
 * live in the database (advisory locks); with SQLite there is one instance per DATA_DIR and
 * tus' in-process MemoryLocker is enough.
 */
export function createUploadLocking(config: CollectorConfig, log: Logger): UploadLocking {
  if (config.database.kind !== 'postgres') return { locker: new MemoryLocker(), finishLock: null };
  const locker = new PostgresLocker(config.database.url, {
    onError: (err) => log.warn({ err }, 'tus lock session: database error'),
  });
  return { locker, finishLock: locker };
}
