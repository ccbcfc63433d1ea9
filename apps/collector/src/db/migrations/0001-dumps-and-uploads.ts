import type { Kysely } from 'kysely';

// Kysely migrations take Kysely<any>: they run against whatever schema exists at that point.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('dumps')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('upload_id', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('node', 'varchar(253)', (c) => c.notNull())
    .addColumn('filename', 'varchar(255)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('declared_sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('encoding', 'varchar(16)', (c) => c.notNull())
    .addColumn('state', 'varchar(32)', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('storage_key', 'varchar(512)')
    .addColumn('kernel_release', 'varchar(256)')
    .addColumn('captured_at', 'varchar(40)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('dumps_state_created')
    .on('dumps')
    .columns(['state', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('dumps_node_created')
    .on('dumps')
    .columns(['node', 'created_at'])
    .execute();
  await db.schema.createIndex('dumps_sha256').on('dumps').column('sha256').execute();
  await db.schema.createIndex('dumps_storage_key').on('dumps').column('storage_key').execute();

  await db.schema
    .createTable('uploads')
    .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('node', 'varchar(253)', (c) => c.notNull())
    .addColumn('filename', 'varchar(255)', (c) => c.notNull())
    .addColumn('declared_size', 'bigint')
    .addColumn('declared_sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('encoding', 'varchar(16)', (c) => c.notNull())
    .addColumn('kernel_release', 'varchar(256)')
    .addColumn('captured_at', 'varchar(40)')
    .addColumn('state', 'varchar(32)', (c) => c.notNull())
    .addColumn('dump_id', 'varchar(36)')
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('uploads_state')
    .on('uploads')
    .columns(['state', 'updated_at'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('uploads').execute();
  await db.schema.dropTable('dumps').execute();
}
