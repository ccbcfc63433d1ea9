/**
 * Tables as Kysely sees them. Portable on purpose (SQLite now, PostgreSQL later): text UUID ids,
 * ISO-8601 UTC text timestamps (sortable), sizes as 64-bit integers (`bigint` in PostgreSQL;
 * read back as JS numbers, exact up to 2^53 = 8 PiB), no SQLite-only types or JSON columns.
 */
export interface DumpsTable {
  id: string;
  upload_id: string;
  node: string;
  filename: string;
  size: number;
  sha256: string;
  declared_sha256: string;
  encoding: string;
  state: string;
  reason: string | null;
  storage_key: string | null;
  kernel_release: string | null;
  captured_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One row per tus upload: lets the collector finish uploads it was killed in the middle of. */
export interface UploadsTable {
  id: string;
  node: string;
  filename: string;
  declared_size: number | null;
  declared_sha256: string;
  encoding: string;
  kernel_release: string | null;
  captured_at: string | null;
  state: string;
  dump_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  dumps: DumpsTable;
  uploads: UploadsTable;
}
