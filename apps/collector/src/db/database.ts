import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';

export class DatabaseMigrationError extends Error {
  readonly code = 'DB_MIGRATION_FAILED';
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(`database migration ${migration} failed: ${String(cause)}`);
    this.name = 'DatabaseMigrationError';
  }
}

export type CollectorDb = Kysely<Database>;

/** Opens DATA_DIR/collector.sqlite (WAL, so reads don't block the writer) and migrates it. */
export async function openDatabase(dataDir: string): Promise<CollectorDb> {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = new SQLite(join(dataDir, 'collector.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new DatabaseMigrationError(failed?.migrationName ?? 'unknown', error);
  }
  return db;
}

export async function pingDatabase(db: CollectorDb): Promise<void> {
  await sql`select 1`.execute(db);
}
