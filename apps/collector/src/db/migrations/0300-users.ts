import type { Kysely } from 'kysely';

// Kysely migrations take Kysely<any>: they run against whatever schema exists at that point.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Portal users and their sessions, node enrollment tokens, per-node upload tokens and the dump
 * download audit (issue 7). Secrets are never stored: passwords as scrypt hashes, session and
 * node tokens as sha256 digests of 256-bit random values.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('username', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('user_sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey()) // sha256 hex of the cookie value
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('csrf_token', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('last_seen_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('user_sessions_user').on('user_sessions').column('user_id').execute();

  await db.schema
    .createTable('enrollment_tokens')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('label', 'varchar(255)', (c) => c.notNull())
    .addColumn('max_uses', 'integer', (c) => c.notNull())
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('revoked_at', 'varchar(40)')
    .execute();

  await db.schema
    .createTable('node_tokens')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('node', 'varchar(253)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('enrollment_token_id', 'varchar(36)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('last_used_at', 'varchar(40)')
    .addColumn('revoked_at', 'varchar(40)')
    .execute();
  await db.schema.createIndex('node_tokens_node').on('node_tokens').column('node').execute();

  await db.schema
    .createTable('download_audit')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('at', 'varchar(40)', (c) => c.notNull())
    .addColumn('actor', 'varchar(128)', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('dump_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('item', 'varchar(128)', (c) => c.notNull())
    .addColumn('range', 'varchar(128)')
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'bigint')
    .addColumn('remote_address', 'varchar(64)')
    .execute();
  await db.schema
    .createIndex('download_audit_dump')
    .on('download_audit')
    .columns(['dump_id', 'at'])
    .execute();

  await db.schema
    .createTable('dump_tickets')
    .addColumn('dump_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('ticket', 'varchar(128)', (c) => c.notNull())
    .addColumn('set_by', 'varchar(64)', (c) => c.notNull())
    .addColumn('set_at', 'varchar(40)', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const t of [
    'dump_tickets',
    'download_audit',
    'node_tokens',
    'enrollment_tokens',
    'user_sessions',
    'users',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
