import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type CollectorDb } from '../../apps/collector/src/db/database.js';
import { postgresMissing, startPostgres, type PostgresCluster } from './harness.js';

/**
 * The collector's two databases for unit tests that must pass on both: SQLite (a DATA_DIR file)
 * and PostgreSQL (a throw-away cluster, skipped with the printed reason when its binaries are
 * absent). Use with `describe.each(databaseDialects('what'))`.
 */
export interface TestDatabases {
  /** A fresh, migrated database. */
  open(): Promise<CollectorDb>;
  /** Another connection (pool) to the database `open` made last, like another process. */
  again(): Promise<CollectorDb>;
  /** DATABASE_URL of the database `open` made last (PostgreSQL), or null (SQLite). */
  url(): string | null;
  close(): Promise<void>;
}

function sqliteDatabases(): TestDatabases {
  const dirs: string[] = [];
  return {
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'kdf-db-'));
      dirs.push(dir);
      return openDatabase(dir);
    },
    again: () => openDatabase(dirs[dirs.length - 1]!),
    url: () => null,
    async close() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

function postgresDatabases(): TestDatabases {
  let cluster: PostgresCluster | null = null;
  let n = 0;
  let url = '';
  const connect = () => openDatabase('/nonexistent', { kind: 'postgres', url, poolMax: 4 });
  return {
    async open() {
      cluster ??= await startPostgres();
      url = await cluster.createDatabase(`unit_${++n}`);
      return connect();
    },
    again: connect,
    url: () => url,
    async close() {
      await cluster?.stop();
    },
  };
}

/** [name, factory, skip] rows; warns once, naming the package, when PostgreSQL is missing. */
export function databaseDialects(
  what: string,
): Array<[name: 'sqlite' | 'postgres', make: () => TestDatabases, skip: boolean]> {
  const missing = postgresMissing();
  if (missing) console.warn(`${what} on PostgreSQL skipped — ${missing}`);
  return [
    ['sqlite', sqliteDatabases, false],
    ['postgres', postgresDatabases, missing !== null],
  ];
}
