import { PostgresDialect } from 'kysely';
import pg from 'pg';

/** pg's type ids (pg_type.oid) of the types the schema reads back. */
const INT8 = 20;

/**
 * int8 (`bigint` columns: sizes, offsets; and every `count(*)`) comes back from pg as a string
 * by default, because it may not fit a JS number. The collector's sizes are far below 2^53
 * (8 PiB), so read them as numbers, as SQLite does; a larger value stays exact as a BigInt
 * rather than being silently rounded.
 */
function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format);
  },
};

/** New pooled pg connection settings from DATABASE_URL (also used by the tus lock session). */
export function postgresClientConfig(url: string): pg.ClientConfig {
  return { connectionString: url, types, application_name: 'kdumpfleet-collector' };
}

export function createPostgresDialect(database: { url: string; poolMax: number }): PostgresDialect {
  const pool = new pg.Pool({
    ...postgresClientConfig(database.url),
    max: database.poolMax,
    // A connection attempt to an unreachable server fails instead of hanging a request forever.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle pooled connection dropped by the server (restart, failover) is an 'error' event; the
  // pool replaces it on the next checkout. Unhandled, the event would kill the process.
  pool.on('error', () => undefined);
  return new PostgresDialect({ pool });
}
