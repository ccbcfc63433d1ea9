import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresAdapter, SqliteDialect, sql } from 'kysely';
import type { DatabaseConfig } from '../config/environment.js';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import { createPostgresDialect } from './postgres-dialect.js';

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

/** The database could not be reached at start; names DATABASE_URL's host (never its password). */
export class DatabaseUnreachableError extends Error {
  readonly code = 'DB_UNREACHABLE';
  constructor(where: string, cause: unknown) {
    super(`DATABASE_URL: cannot connect to ${where}: ${(cause as Error)?.message ?? cause}`);
    this.name = 'DatabaseUnreachableError';
  }
}

export type CollectorDb = Kysely<Database>;

/** Any Kysely over the collector's database (also the analysis/users views of it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKysely = Kysely<any>;

/** True when `db` talks to PostgreSQL (its job queue and locks take the PostgreSQL paths). */
export function isPostgres(db: AnyKysely): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** host:port/db of a DATABASE_URL, for messages (no credentials). */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || u.searchParams.get('host') || '?'}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * Opens the collector's database and migrates it: PostgreSQL when DATABASE_URL is set
 * (a pool of DATABASE_POOL_MAX connections), else DATA_DIR/collector.sqlite (WAL, so reads don't
 * block the writer). Both run the same migrations (src/db/migrations). Several collectors and
 * workers may start at once on PostgreSQL: Kysely's migrator takes an advisory lock there.
 */
export async function openDatabase(
  dataDir: string,
  database: DatabaseConfig = { kind: 'sqlite' },
): Promise<CollectorDb> {
  let db: CollectorDb;
  if (database.kind === 'postgres') {
    db = new Kysely<Database>({ dialect: createPostgresDialect(database) });
    try {
      await pingDatabase(db);
    } catch (err) {
      await db.destroy().catch(() => undefined);
      throw new DatabaseUnreachableError(describeDatabaseUrl(database.url), err);
    }
  } else {
    mkdirSync(dataDir, { recursive: true });
    const sqlite = new SQLite(join(dataDir, 'collector.sqlite'));
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  }
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new DatabaseMigrationError(failed?.migrationName ?? 'unknown', error);
  }
  return db;
}

export async function pingDatabase(db: AnyKysely): Promise<void> {
  await sql`select 1`.execute(db);
}
